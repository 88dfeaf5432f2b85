//! Colours as `#rrggbb`, and the WCAG 2.2 contrast arithmetic that keeps every text readable.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::validation::{FieldError, label};

/// An sRGB colour. Parsed strictly from `#rgb` or `#rrggbb`; always written as lowercase `#rrggbb`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Colour {
    r: u8,
    g: u8,
    b: u8,
}

pub const BLACK: Colour = Colour { r: 0, g: 0, b: 0 };
pub const WHITE: Colour = Colour { r: 255, g: 255, b: 255 };

/// WCAG AA for normal text.
pub const AA_TEXT: f64 = 4.5;
/// WCAG AA for large text and user-interface components.
pub const AA_LARGE: f64 = 3.0;

impl Colour {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let refuse = || {
            FieldError::new(
                field,
                format!("{} must be a colour like #1f6feb or #fff (it is '{raw}').", label(field)),
            )
        };
        let hex = raw.trim().strip_prefix('#').ok_or_else(refuse)?;
        if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(refuse());
        }
        let digit = |i: usize| u8::from_str_radix(&hex[i..=i], 16).map_err(|_| refuse());
        let pair = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| refuse());
        match hex.len() {
            3 => Ok(Self { r: digit(0)? * 17, g: digit(1)? * 17, b: digit(2)? * 17 }),
            6 => Ok(Self { r: pair(0)?, g: pair(2)?, b: pair(4)? }),
            _ => Err(refuse()),
        }
    }

    pub const fn rgb(r: u8, g: u8, b: u8) -> Self {
        Self { r, g, b }
    }

    /// `rrggbb`, without the `#`: safe in URLs and file names.
    pub fn hex(&self) -> String {
        format!("{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }

    /// WCAG relative luminance, 0 (black) to 1 (white).
    pub fn luminance(&self) -> f64 {
        let channel = |v: u8| {
            let c = f64::from(v) / 255.0;
            if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
        };
        0.2126 * channel(self.r) + 0.7152 * channel(self.g) + 0.0722 * channel(self.b)
    }

    /// WCAG contrast ratio, 1 to 21, whichever colour is lighter.
    pub fn contrast(&self, other: &Colour) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (light, dark) = if a > b { (a, b) } else { (b, a) };
        (light + 0.05) / (dark + 0.05)
    }

    /// Black or white, whichever reads better on this background. One of them always reaches
    /// at least 4.58:1, so text in this colour passes AA whatever the background.
    pub fn text_on(&self) -> Colour {
        if self.contrast(&BLACK) >= self.contrast(&WHITE) { BLACK } else { WHITE }
    }

    fn mix(&self, toward: &Colour, amount: f64) -> Colour {
        let blend = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * amount).round() as u8;
        Colour { r: blend(self.r, toward.r), g: blend(self.g, toward.g), b: blend(self.b, toward.b) }
    }

    /// This colour, darkened or lightened just enough to reach `ratio` against `background`:
    /// keeps the brand's hue for links and headings wherever it can.
    pub fn readable_on(&self, background: &Colour, ratio: f64) -> Colour {
        if self.contrast(background) >= ratio {
            return *self;
        }
        let target = background.text_on();
        for step in 1..=20 {
            let candidate = self.mix(&target, f64::from(step) / 20.0);
            if candidate.contrast(background) >= ratio {
                return candidate;
            }
        }
        target
    }
}

impl fmt::Display for Colour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.hex())
    }
}

impl Serialize for Colour {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Colour {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse("colour", &raw).map_err(|e| serde::de::Error::custom(e.message))
    }
}

/// The colours a portal page uses, all derived from the two chosen ones so that every text
/// meets WCAG AA (4.5:1) on the background it sits on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Theme {
    pub primary: Colour,
    pub on_primary: Colour,
    pub secondary: Colour,
    pub on_secondary: Colour,
    /// The primary colour adjusted to be readable as text on the secondary colour.
    pub accent_on_secondary: Colour,
    pub surface: Colour,
    pub on_surface: Colour,
    /// Quieter text on the surface (descriptions), still AA.
    pub muted_on_surface: Colour,
    /// The primary colour adjusted to be readable as text on the surface.
    pub accent_on_surface: Colour,
}

impl Theme {
    pub fn new(primary: Colour, secondary: Colour) -> Self {
        let surface = WHITE;
        Self {
            primary,
            on_primary: primary.text_on(),
            secondary,
            on_secondary: secondary.text_on(),
            accent_on_secondary: primary.readable_on(&secondary, AA_TEXT),
            surface,
            on_surface: Colour::rgb(0x1b, 0x1f, 0x24),
            muted_on_surface: Colour::rgb(0x57, 0x60, 0x6a),
            accent_on_surface: primary.readable_on(&surface, AA_TEXT),
        }
    }

    /// Every (text, background) pair the portal draws.
    pub fn text_pairs(&self) -> [(&'static str, Colour, Colour); 6] {
        [
            ("text on primary", self.on_primary, self.primary),
            ("text on secondary", self.on_secondary, self.secondary),
            ("accent on secondary", self.accent_on_secondary, self.secondary),
            ("text on surface", self.on_surface, self.surface),
            ("muted on surface", self.muted_on_surface, self.surface),
            ("accent on surface", self.accent_on_surface, self.surface),
        ]
    }

    /// The console warns when the two chosen colours are hard to tell apart (< 3:1).
    pub fn weak_pair_warning(&self) -> Option<String> {
        let ratio = self.primary.contrast(&self.secondary);
        (ratio < AA_LARGE).then(|| {
            format!(
                "The primary and secondary colours contrast only {ratio:.2}:1 (at least 3:1 is recommended): \
                 buttons may be hard to tell from the page. Text stays readable either way."
            )
        })
    }

    /// The per-portal stylesheet: the theme as CSS custom properties. Built only from parsed
    /// colours, so nothing a person typed reaches the CSS.
    pub fn stylesheet(&self) -> String {
        format!(
            ":root {{\n  --primary: {};\n  --on-primary: {};\n  --secondary: {};\n  --on-secondary: {};\n  \
             --accent-on-secondary: {};\n  --surface: {};\n  --on-surface: {};\n  --muted-on-surface: {};\n  \
             --accent-on-surface: {};\n}}\n",
            self.primary,
            self.on_primary,
            self.secondary,
            self.on_secondary,
            self.accent_on_secondary,
            self.surface,
            self.on_surface,
            self.muted_on_surface,
            self.accent_on_surface
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn colour(raw: &str) -> Colour {
        Colour::parse("colour", raw).unwrap()
    }

    #[test]
    fn colours_are_parsed_strictly_and_normalised() {
        assert_eq!(colour("#1F6FEB").to_string(), "#1f6feb");
        assert_eq!(colour("#fff").to_string(), "#ffffff");
        assert_eq!(colour(" #0a0 ").to_string(), "#00aa00");
        for bad in
            ["1f6feb", "#1f6fe", "#1f6febff", "#ggg", "red", "rgb(0,0,0)", "#12345z", "", "#", "#+1+2+3"]
        {
            assert_eq!(
                Colour::parse("design.primary_color", bad).unwrap_err().field,
                "design.primary_color",
                "{bad}"
            );
        }
    }

    #[test]
    fn contrast_matches_the_wcag_reference_values() {
        assert!((BLACK.contrast(&WHITE) - 21.0).abs() < 1e-9);
        assert!((colour("#777777").contrast(&WHITE) - 4.48).abs() < 0.01);
        assert!((colour("#ffff00").contrast(&WHITE) - 1.07).abs() < 0.01);
    }

    #[test]
    fn every_derived_text_colour_passes_aa_for_pathological_pairs() {
        let samples = [
            "#ffff00", "#ffffff", "#000000", "#777777", "#767676", "#1f6feb", "#f6f8fa", "#ff0000",
            "#00ff00", "#0000ff", "#808080", "#7f7f7f", "#fefefe", "#010101", "#ff00ff", "#00ffff",
            "#123456", "#abcdef",
        ];
        for primary in samples {
            for secondary in samples {
                let theme = Theme::new(colour(primary), colour(secondary));
                for (name, text, background) in theme.text_pairs() {
                    let ratio = text.contrast(&background);
                    assert!(
                        ratio >= AA_TEXT,
                        "{name}: {text} on {background} is {ratio:.2} for {primary}/{secondary}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_brand_colour_is_kept_when_it_is_already_readable() {
        let theme = Theme::new(colour("#0b5cad"), colour("#ffffff"));
        assert_eq!(theme.accent_on_secondary, colour("#0b5cad"));
        assert_ne!(Theme::new(colour("#ffff00"), colour("#ffffff")).accent_on_secondary, colour("#ffff00"));
    }

    #[test]
    fn a_weak_colour_pair_is_warned_about() {
        assert!(Theme::new(colour("#ffff00"), colour("#ffffff")).weak_pair_warning().is_some());
        assert!(Theme::new(colour("#1f6feb"), colour("#f6f8fa")).weak_pair_warning().is_none());
    }

    #[test]
    fn the_stylesheet_holds_only_colours() {
        let css = Theme::new(colour("#1f6feb"), colour("#f6f8fa")).stylesheet();
        assert!(css.contains("--primary: #1f6feb;"));
        assert!(css.contains("--on-primary: #"));
    }
}

//! The addresses of the portal's static assets, as rendered pages link them.

use portico_domain::portal::colour::Colour;

pub const PORTAL_STYLESHEET: &str = "/assets/portal.css";
/// Small enhancements of portal pages (times of day in the reader's time zone).
pub const PORTAL_SCRIPT: &str = "/assets/portal.js";

/// The per-portal theme: the colours are the address, so it can be cached for good.
pub fn theme_stylesheet(primary: &Colour, secondary: &Colour) -> String {
    format!("/assets/theme/{}-{}.css", primary.hex(), secondary.hex())
}

pub fn logo(id: &str) -> String {
    format!("/assets/logos/{id}.png")
}

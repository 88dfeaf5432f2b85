//! Reads a form out of a page the way a browser without JavaScript would submit it: so the
//! tests post exactly what the HTML offers, not what the test author imagines it offers.

/// The `name=value` pairs the form with `id` would submit (checked boxes and radios only, the
/// selected option of each select, no buttons).
pub fn form_pairs(page: &str, id: &str) -> Vec<(String, String)> {
    let start = page.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no form #{id}"));
    let start = page[..start].rfind("<form").unwrap();
    let end = start + page[start..].find("</form>").unwrap();
    let form = &page[start..end];
    let mut pairs = Vec::new();
    let mut rest = form;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        let tag_end = rest.find('>').unwrap();
        let tag = &rest[..tag_end];
        let name = tag.split_whitespace().next().unwrap_or_default().to_ascii_lowercase();
        let attributes = parse_attributes(tag);
        let get = |key: &str| attributes.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        match name.as_str() {
            "input" => {
                let kind = get("type").unwrap_or_else(|| "text".into());
                let Some(field) = get("name") else { continue };
                if attributes.iter().any(|(k, _)| k == "disabled") {
                    continue;
                }
                match kind.as_str() {
                    "checkbox" | "radio" => {
                        if attributes.iter().any(|(k, _)| k == "checked") {
                            pairs.push((field, get("value").unwrap_or_else(|| "on".into())));
                        }
                    }
                    "submit" | "button" | "file" | "image" | "reset" => {}
                    _ => pairs.push((field, get("value").unwrap_or_default())),
                }
            }
            "select" => {
                let Some(field) = get("name") else { continue };
                let close = rest.find("</select>").unwrap();
                let options = &rest[..close];
                let mut chosen = None;
                let mut first = None;
                for option in options.split("<option").skip(1) {
                    let option_tag = &option[..option.find('>').unwrap()];
                    let option_attributes = parse_attributes(option_tag);
                    let value = option_attributes
                        .iter()
                        .find(|(k, _)| k == "value")
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default();
                    first.get_or_insert(value.clone());
                    if option_attributes.iter().any(|(k, _)| k == "selected") {
                        chosen = Some(value);
                    }
                }
                pairs.push((field, chosen.or(first).unwrap_or_default()));
            }
            "textarea" => {
                let Some(field) = get("name") else { continue };
                let close = rest.find("</textarea>").unwrap();
                pairs.push((field, decode(&rest[tag_end + 1..close])));
            }
            _ => {}
        }
    }
    pairs
}

fn parse_attributes(tag: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut chars = tag.char_indices().peekable();
    // Skip the element name.
    while let Some((_, c)) = chars.peek() {
        if c.is_whitespace() {
            break;
        }
        chars.next();
    }
    loop {
        while chars.peek().is_some_and(|(_, c)| c.is_whitespace() || *c == '/') {
            chars.next();
        }
        let Some(&(start, _)) = chars.peek() else { break };
        let mut end = start;
        while let Some(&(i, c)) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            end = i + c.len_utf8();
            chars.next();
        }
        let key = tag[start..end].to_ascii_lowercase();
        if chars.peek().is_some_and(|(_, c)| *c == '=') {
            chars.next();
            let quote = chars.peek().map(|(_, c)| *c);
            if let Some(q @ ('"' | '\'')) = quote {
                chars.next();
                let value_start = chars.peek().map_or(tag.len(), |(i, _)| *i);
                let mut value_end = value_start;
                for (i, c) in chars.by_ref() {
                    if c == q {
                        break;
                    }
                    value_end = i + c.len_utf8();
                }
                found.push((key, decode(&tag[value_start..value_end])));
            } else {
                let value_start = chars.peek().map_or(tag.len(), |(i, _)| *i);
                let mut value_end = value_start;
                while let Some(&(i, c)) = chars.peek() {
                    if c.is_whitespace() {
                        break;
                    }
                    value_end = i + c.len_utf8();
                    chars.next();
                }
                found.push((key, decode(&tag[value_start..value_end])));
            }
        } else if !key.is_empty() {
            found.push((key, String::new()));
        }
    }
    found
}

/// Undoes HTML character references as the template engine writes them.
pub fn decode(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest.find(';') else { break };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ if entity.starts_with("#x") => {
                u32::from_str_radix(&entity[2..], 16).ok().and_then(char::from_u32)
            }
            _ if entity.starts_with('#') => entity[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Sets (or adds) a field, as typing into it would.
pub fn set(pairs: &mut Vec<(String, String)>, name: &str, value: &str) {
    match pairs.iter_mut().find(|(k, _)| k == name) {
        Some(pair) => pair.1 = value.to_string(),
        None => pairs.push((name.to_string(), value.to_string())),
    }
}

/// Unticks a checkbox.
pub fn unset(pairs: &mut Vec<(String, String)>, name: &str) {
    pairs.retain(|(k, _)| k != name);
}

pub fn value<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_default()
}

#[test]
fn a_form_is_read_as_a_browser_submits_it() {
    let page = r#"<form id="f"><input type="hidden" name="a" value="1&#38;2">
        <input type="checkbox" name="c" checked><input type="checkbox" name="d">
        <input type="radio" name="r" value="x"><input type="radio" name="r" value="y" checked>
        <select name="s"><option value="">none</option><option value="v" selected>V</option></select>
        <button type="submit" name="action" value="save">Save</button></form>"#;
    let pairs = form_pairs(page, "f");
    let expected: Vec<(String, String)> = [("a", "1&2"), ("c", "on"), ("r", "y"), ("s", "v")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(pairs, expected);
}

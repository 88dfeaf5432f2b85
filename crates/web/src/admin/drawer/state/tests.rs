//! Tests of `state`.

use super::*;

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn indexed_fields_are_read_in_index_order() {
    let state = DrawerState::from_pairs(&pairs(&[
        ("button.1.target", "my_tickets"),
        ("button.0.target", "submit_ticket"),
        ("button.10.target", "knowledge_base"),
        ("active", "on"),
    ]));
    let targets: Vec<&str> = state.buttons.iter().map(|b| b.target.as_str()).collect();
    assert_eq!(targets, ["submit_ticket", "my_tickets", "knowledge_base"]);
    assert!(state.active);
    assert!(!state.ticketing, "an unticked checkbox is absent");
}

#[test]
fn the_colour_picker_wins_only_when_the_hex_field_was_left_alone() {
    let picked = DrawerState::from_pairs(&pairs(&[
        ("primary_color", "#1f6feb"),
        ("primary_color_was", "#1f6feb"),
        ("primary_color_picker", "#ff0000"),
    ]));
    assert_eq!(picked.primary_color, "#ff0000");
    let typed = DrawerState::from_pairs(&pairs(&[
        ("primary_color", "#00ff00"),
        ("primary_color_was", "#1f6feb"),
        ("primary_color_picker", "#1f6feb"),
    ]));
    assert_eq!(typed.primary_color, "#00ff00");
}

#[test]
fn a_refused_colour_stays_refused_until_it_is_changed() {
    // The form came back with "#12345z" refused; its picker could only show black.
    assert_eq!(picker_value("#12345z"), "#000000");
    let again = DrawerState::from_pairs(&pairs(&[
        ("primary_color", "#12345z"),
        ("primary_color_was", "#12345z"),
        ("primary_color_picker", "#000000"),
    ]));
    assert_eq!(again.primary_color, "#12345z", "never silently black");
    let picked = DrawerState::from_pairs(&pairs(&[
        ("primary_color", "#12345z"),
        ("primary_color_was", "#12345z"),
        ("primary_color_picker", "#336699"),
    ]));
    assert_eq!(picked.primary_color, "#336699", "the picker, once changed, counts");
}

#[test]
fn a_short_hex_colour_survives_its_picker() {
    assert_eq!(picker_value("#ABC"), "#aabbcc");
    let kept = DrawerState::from_pairs(&pairs(&[
        ("secondary_color", "#abc"),
        ("secondary_color_was", "#abc"),
        ("secondary_color_picker", "#aabbcc"),
    ]));
    assert_eq!(kept.secondary_color, "#abc");
}

#[test]
fn actions_are_parsed_from_button_values() {
    assert_eq!(Action::parse("move.button.3.up"), Action::Move { list: List::Buttons, index: 3, up: true });
    assert_eq!(Action::parse("remove_link.2"), Action::RemoveLink(2));
    assert_eq!(Action::parse("move.nothing.1.up"), Action::Stay);
    assert_eq!(Action::parse(""), Action::Stay);
}

#[test]
fn moving_past_either_end_changes_nothing() {
    let mut state = DrawerState {
        sections: vec![SectionRow::default(), SectionRow { kind: "x".into(), ..Default::default() }],
        ..Default::default()
    };
    state.apply(&Action::Move { list: List::Sections, index: 0, up: true });
    assert_eq!(state.sections[1].kind, "x");
    state.apply(&Action::Move { list: List::Sections, index: 1, up: true });
    assert_eq!(state.sections[0].kind, "x");
    state.apply(&Action::Move { list: List::Sections, index: 9, up: false });
}

#[test]
fn switching_a_feature_off_drops_its_buttons() {
    let mut state = DrawerState {
        ticketing: false,
        knowledge_base: true,
        external_links: true,
        links: vec![LinkRow { id: "hr".into(), ..Default::default() }],
        buttons: ["submit_ticket", "knowledge_base", "link:hr", "link:gone", "my_tickets"]
            .iter()
            .map(|t| ButtonRow { target: t.to_string(), ..Default::default() })
            .collect(),
        ..Default::default()
    };
    state.drop_buttons_of_disabled_features();
    let targets: Vec<&str> = state.buttons.iter().map(|b| b.target.as_str()).collect();
    assert_eq!(targets, ["knowledge_base", "link:hr"]);
}

//! Auto-replies that carry no machine header (`Auto-Submitted`, `X-Autoreply` …): out-of-office
//! notes from clients and servers that only say so in words. Answering them, or adding them to a
//! ticket as someone's reply, is what starts mail loops and fills conversations with noise.

/// Subject prefixes mail clients put on automatic replies, in the languages Portico's customers
/// write in. Matched at the start only: "Out of office not working" is a real request.
const SUBJECT_PREFIXES: &[&str] = &[
    "automatic reply:",
    "auto reply:",
    "auto-reply:",
    "autoreply:",
    "auto response:",
    "out of office:",
    "out of office reply",
    "out of office autoreply",
    "out of the office:",
    "abwesenheitsnotiz:",
    "abwesenheitsnotiz",
    "automatische antwort:",
    "réponse automatique",
    "absence du bureau",
    "respuesta automática:",
    "fuera de la oficina:",
    "automatisch antwoord:",
    "afwezigheidsbericht",
    "resposta automática:",
    "risposta automatica:",
];

/// How out-of-office bodies open.
const BODY_OPENINGS: &[&str] = &[
    "i am out of the office",
    "i'm out of the office",
    "i am currently out of the office",
    "i'm currently out of the office",
    "i am currently out of office",
    "i'm currently out of office",
    "i am out of office",
    "this is an automatic reply",
    "this is an automated reply",
    "this is an automated response",
    "ich bin derzeit nicht im büro",
    "ich bin zurzeit nicht im büro",
    "dies ist eine automatische antwort",
    "je suis absent",
    "je suis actuellement absent",
    "ceci est une réponse automatique",
    "estoy fuera de la oficina",
    "esta es una respuesta automática",
    "ik ben afwezig",
    "dit is een automatisch antwoord",
    "estou fora do escritório",
    "esta é uma resposta automática",
];

/// Why the wording says a machine answered, if it does.
pub fn by_wording(subject: &str, body: &str) -> Option<String> {
    let subject = subject.trim().to_lowercase();
    if let Some(prefix) = SUBJECT_PREFIXES.iter().find(|prefix| subject.starts_with(*prefix)) {
        return Some(format!(
            "it is an auto-reply (its subject begins \"{}\")",
            prefix.trim_end_matches(':')
        ));
    }
    let opening =
        body.lines().map(str::trim).find(|line| !line.is_empty()).unwrap_or_default().to_lowercase();
    BODY_OPENINGS
        .iter()
        .any(|start| opening.starts_with(start))
        .then(|| "it is an auto-reply (an out-of-office text)".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_office_subjects_are_recognised_in_several_languages() {
        for subject in [
            "Automatic reply: [T-000005] Printer jams",
            "Out of Office: Re: VPN",
            "Abwesenheitsnotiz: Drucker",
            "Automatische Antwort: Ihr Ticket",
            "Réponse automatique : votre demande",
            "Respuesta automática: VPN",
            "Automatisch antwoord: printer",
            "Resposta automática: impressora",
        ] {
            assert!(by_wording(subject, "Thanks").is_some(), "{subject}");
        }
    }

    #[test]
    fn out_of_office_bodies_are_recognised() {
        assert!(by_wording("Re: [T-000005] VPN", "\n  I am out of the office until Monday.\n").is_some());
        assert!(by_wording("Re: VPN", "Je suis absent jusqu'au 3 janvier.").is_some());
        assert!(by_wording("Re: VPN", "Ich bin derzeit nicht im Büro.").is_some());
    }

    #[test]
    fn requests_about_out_of_office_are_not_auto_replies() {
        assert_eq!(by_wording("Out of office not working in Outlook", "Can you help?"), None);
        assert_eq!(
            by_wording("Re: [T-000005] VPN", "It works again, thanks. I am out of the office now."),
            None
        );
    }
}

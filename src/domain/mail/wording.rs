//! The double's own wording of the PIN email in each language it ships, as Exchange writes the
//! email in the language of the user's mailbox. Each is written as that language's formal
//! system email reads (its salutation, its word for the extension and the access numbers),
//! not as a translation of the English one; the labels and values of the PIN, extension and
//! access numbers stay on lines of their own so a reader finds them in any language.

/// The language a mailbox gets when neither it nor its dial plan names one.
pub(crate) const DEFAULT_LANGUAGE: &str = "en-US";

/// The sender in every language: "Microsoft Exchange" is a product name, which Exchange does
/// not translate.
pub(crate) const DEFAULT_FROM: &str = "Microsoft Exchange <MicrosoftExchange@{domain}>";

/// One language's subject and body text, with `{placeholders}`.
pub(crate) struct Wording {
    /// A culture name such as `pt-BR`.
    pub(crate) language: &'static str,
    pub(crate) subject: &'static str,
    pub(crate) text: &'static str,
}

/// The languages the double writes by itself, the default first.
pub(crate) const BUILT_IN: [Wording; 8] = [
    Wording {
        language: DEFAULT_LANGUAGE,
        subject: "Your Outlook Voice Access PIN has been reset",
        text: "Hello {display_name},

Your voice mail PIN has been reset. Use it to sign in to Outlook Voice Access by phone. You will be asked to choose a new PIN the first time you sign in.

PIN: {pin}
Extension: {extension}
Access numbers: {access_numbers}
",
    },
    Wording {
        language: "pt-BR",
        subject: "Seu PIN do Outlook Voice Access foi redefinido",
        text: "Olá, {display_name},

Seu PIN do correio de voz foi redefinido. Use-o para entrar no Outlook Voice Access por telefone. Você precisará escolher um novo PIN ao entrar pela primeira vez.

PIN: {pin}
Ramal: {extension}
Números de acesso: {access_numbers}
",
    },
    Wording {
        language: "es-ES",
        subject: "Se ha restablecido su PIN de Outlook Voice Access",
        // A Spanish salutation ends with a colon.
        text: "Hola, {display_name}:

Se ha restablecido el PIN de su buzón de voz. Úselo para iniciar sesión en Outlook Voice Access por teléfono. La primera vez que inicie sesión, se le pedirá que elija un PIN nuevo.

PIN: {pin}
Extensión: {extension}
Números de acceso: {access_numbers}
",
    },
    Wording {
        language: "fr-FR",
        subject: "Votre code PIN Outlook Voice Access a été réinitialisé",
        // French sets a no-break space (U+00A0) before a colon.
        text: "Bonjour {display_name},

Le code PIN de votre messagerie vocale a été réinitialisé. Utilisez-le pour vous connecter à Outlook Voice Access par téléphone. Vous serez invité à choisir un nouveau code PIN lors de votre première connexion.

Code PIN\u{a0}: {pin}
Poste\u{a0}: {extension}
Numéros d’accès\u{a0}: {access_numbers}
",
    },
    Wording {
        language: "de-DE",
        subject: "Ihre PIN für Outlook Voice Access wurde zurückgesetzt",
        text: "Guten Tag {display_name},

Ihre Voicemail-PIN wurde zurückgesetzt. Verwenden Sie sie, um sich telefonisch bei Outlook Voice Access anzumelden. Bei der ersten Anmeldung werden Sie aufgefordert, eine neue PIN festzulegen.

PIN: {pin}
Durchwahl: {extension}
Einwahlnummern: {access_numbers}
",
    },
    Wording {
        language: "it-IT",
        subject: "Il PIN di Outlook Voice Access è stato reimpostato",
        // Formal "Lei"; after the salutation's comma Italian goes on in lower case.
        text: "Gentile {display_name},

il PIN della Sua segreteria telefonica è stato reimpostato. Lo utilizzi per accedere a Outlook Voice Access per telefono. Al primo accesso Le verrà chiesto di scegliere un nuovo PIN.

PIN: {pin}
Interno: {extension}
Numeri di accesso: {access_numbers}
",
    },
    Wording {
        language: "nl-NL",
        subject: "Uw pincode voor Outlook Voice Access is opnieuw ingesteld",
        text: "Beste {display_name},

Uw voicemailpincode is opnieuw ingesteld. Gebruik deze om u telefonisch aan te melden bij Outlook Voice Access. Wanneer u zich voor het eerst aanmeldt, wordt u gevraagd een nieuwe pincode te kiezen.

Pincode: {pin}
Toestelnummer: {extension}
Inbelnummers: {access_numbers}
",
    },
    Wording {
        language: "ja-JP",
        subject: "Outlook Voice Access の PIN がリセットされました",
        // Polite です/ます form; the name with 様, the labels with a full-width colon.
        text: "{display_name} 様

ボイスメールの PIN がリセットされました。この PIN を使用して、電話で Outlook Voice Access にサインインしてください。初めてサインインするときに、新しい PIN の設定を求められます。

PIN：{pin}
内線番号：{extension}
アクセス番号：{access_numbers}
",
    },
];

/// The built-in wording of `language` (exact culture name), if the double ships one.
pub(crate) fn built_in(language: &str) -> Option<&'static Wording> {
    BUILT_IN.iter().find(|w| w.language == language)
}

/// The built-in languages, for messages: `en-US, pt-BR, …`.
pub(crate) fn built_in_names() -> String {
    BUILT_IN
        .iter()
        .map(|w| w.language)
        .collect::<Vec<_>>()
        .join(", ")
}

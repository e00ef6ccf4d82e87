//! One description per operation: its request parameters with their XSD types, and what it
//! returns. The WSDL is written from it and every request's parameters are checked against it,
//! so the two cannot disagree.

use crate::vocab::Operation;

/// The XSD type of a request parameter or returned value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Boolean,
    String,
    /// A type defined in the inline schema (`tns:` prefix): one of [`ENUMS`] or [`COMPLEX`].
    Schema(&'static str),
}

impl Kind {
    pub(crate) fn xsd(self) -> String {
        match self {
            Kind::Boolean => "xs:boolean".into(),
            Kind::String => "xs:string".into(),
            Kind::Schema(name) => format!("tns:{name}"),
        }
    }

    /// As .NET web services declare them: value types (booleans, enums) must be present,
    /// reference types (strings, complex types) may be left out.
    pub(crate) fn min_occurs(self) -> u8 {
        match self {
            Kind::Boolean => 1,
            Kind::Schema(name) if enum_values(name).is_some() => 1,
            Kind::String | Kind::Schema(_) => 0,
        }
    }
}

/// A request child element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Param {
    /// The name in the schema, exact case.
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
    /// Another spelling accepted for the same parameter (never written in the WSDL).
    pub(crate) alias: Option<&'static str>,
}

const fn param(name: &'static str, kind: Kind) -> Param {
    Param {
        name,
        kind,
        alias: None,
    }
}

/// What the WSDL and the parameter check know of one operation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Description {
    /// Request children, in wire order.
    pub(crate) params: &'static [Param],
    /// What it returns inside its response element; `None` for an empty response.
    pub(crate) returns: Option<Kind>,
}

/// The description of `operation`.
pub(crate) fn describe(operation: Operation) -> Description {
    const STATUS: &[Param] = &[param("status", Kind::Boolean)];
    const CALL_ID: &[Param] = &[param("CallId", Kind::String)];
    const DIAL_STRING: &[Param] = &[param("dialString", Kind::String)];
    const FOLDER: &[Param] = &[Param {
        name: "base64FolderId",
        kind: Kind::String,
        alias: Some("base64FolderID"),
    }];
    const PLAY: &[Param] = &[
        param("entryId", Kind::String),
        param("DialString", Kind::String),
    ];
    const GREETING: &[Param] = &[
        param("GreetingType", Kind::Schema("UMGreetingType")),
        param("DialString", Kind::String),
    ];
    let (params, returns): (&'static [Param], Option<Kind>) = match operation {
        Operation::ResetPin => (&[], None),
        Operation::IsUmEnabled => (&[], Some(Kind::Boolean)),
        Operation::GetUmProperties => (&[], Some(Kind::Schema("UMProperties"))),
        Operation::SetOofStatus | Operation::SetMissedCallNotificationEnabled => (STATUS, None),
        Operation::SetPlayOnPhoneDialString => (DIAL_STRING, None),
        Operation::SetTelephoneAccessFolderEmail => (FOLDER, None),
        Operation::PlayOnPhone => (PLAY, Some(Kind::String)),
        Operation::PlayOnPhoneGreeting => (GREETING, Some(Kind::String)),
        Operation::GetCallInfo => (CALL_ID, Some(Kind::Schema("UMCallInfo"))),
        Operation::Disconnect => (CALL_ID, None),
    };
    Description { params, returns }
}

/// The simple types of the inline schema: string enumerations.
pub(crate) const ENUMS: [(&str, &[&str]); 3] = [
    ("UMGreetingType", &["NormalCustom", "OofCustom"]),
    (
        "UMCallState",
        &[
            "Idle",
            "Connecting",
            "Alerted",
            "Connected",
            "Disconnected",
            "Incoming",
            "Transferring",
            "Forwarding",
        ],
    ),
    (
        "UMEventCause",
        &["None", "UserBusy", "NoAnswer", "Unavailable", "Other"],
    ),
];

/// The complex types of the inline schema, fields in order.
pub(crate) const COMPLEX: [(&str, &[(&str, Kind)]); 2] = [
    (
        "UMProperties",
        &[
            ("OofStatus", Kind::Boolean),
            ("MissedCallNotificationEnabled", Kind::Boolean),
            ("PlayOnPhoneDialString", Kind::String),
            ("TelephoneAccessNumbers", Kind::String),
            ("TelephoneAccessFolderEmail", Kind::String),
        ],
    ),
    (
        "UMCallInfo",
        &[
            ("CallState", Kind::Schema("UMCallState")),
            ("EventCause", Kind::Schema("UMEventCause")),
        ],
    ),
];

fn enum_values(name: &str) -> Option<&'static [&'static str]> {
    ENUMS.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// A request's parameters, checked against its operation's description: every one present
/// once, booleans and enumerations valid. Values are the text as sent.
#[derive(Debug)]
pub(crate) struct Args {
    params: &'static [Param],
    values: Vec<String>,
}

impl Args {
    /// Checks `given` (name, text) pairs against `operation`'s description; the reason for
    /// `ErrorInvalidRequest` otherwise.
    pub(crate) fn check(operation: Operation, given: &[(String, String)]) -> Result<Args, String> {
        let params = describe(operation).params;
        let mut values: Vec<Option<String>> = vec![None; params.len()];
        for (name, value) in given {
            let Some(i) = params
                .iter()
                .position(|p| p.name == name || p.alias == Some(name.as_str()))
            else {
                let expected = if params.is_empty() {
                    "no parameters".to_string()
                } else {
                    params.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
                };
                return Err(format!(
                    "{operation} has no parameter '{name}' (it takes {expected})"
                ));
            };
            if values[i].is_some() {
                return Err(format!("parameter '{name}' appears twice"));
            }
            values[i] = Some(value.clone());
        }
        let values = params
            .iter()
            .zip(values)
            .map(|(param, value)| {
                let value =
                    value.ok_or_else(|| format!("parameter '{}' is missing", param.name))?;
                check_value(param, value.trim())?;
                Ok(value)
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Args { params, values })
    }

    /// The text of parameter `name` as sent (the check made sure it is there).
    pub(crate) fn text(&self, name: &str) -> &str {
        let i = self
            .params
            .iter()
            .position(|p| p.name == name)
            .expect("operations ask only for parameters their description declares");
        &self.values[i]
    }

    /// A boolean parameter (the check made sure it is `true`, `false`, `1` or `0`).
    pub(crate) fn boolean(&self, name: &str) -> bool {
        matches!(self.text(name).trim(), "true" | "1")
    }
}

fn check_value(param: &Param, value: &str) -> Result<(), String> {
    let name = param.name;
    match param.kind {
        Kind::Boolean if !matches!(value, "true" | "false" | "1" | "0") => Err(format!(
            "parameter '{name}' must be true or false, not '{value}'"
        )),
        Kind::Schema(ty) => match enum_values(ty) {
            Some(allowed) if !allowed.contains(&value) => Err(format!(
                "{name} must be {}, not '{value}'",
                allowed.join(" or ")
            )),
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parameters_are_checked_against_the_description() {
        let check = |op, pairs: &[(&str, &str)]| Args::check(op, &given(pairs)).map(|_| ());
        assert_eq!(
            check(Operation::SetOofStatus, &[("status", "maybe")]).unwrap_err(),
            "parameter 'status' must be true or false, not 'maybe'"
        );
        assert_eq!(
            check(Operation::SetOofStatus, &[]).unwrap_err(),
            "parameter 'status' is missing"
        );
        assert!(check(Operation::SetOofStatus, &[("Status", "true")])
            .unwrap_err()
            .contains("has no parameter 'Status' (it takes status)"));
        assert!(check(Operation::ResetPin, &[("x", "1")])
            .unwrap_err()
            .contains("(it takes no parameters)"));
        assert_eq!(
            check(
                Operation::PlayOnPhoneGreeting,
                &[("GreetingType", "Loud"), ("DialString", "1")]
            )
            .unwrap_err(),
            "GreetingType must be NormalCustom or OofCustom, not 'Loud'"
        );
        let args = Args::check(
            Operation::SetTelephoneAccessFolderEmail,
            &given(&[("base64FolderID", "AAA=")]),
        )
        .unwrap();
        assert_eq!(args.text("base64FolderId"), "AAA=");
        assert!(
            Args::check(Operation::SetOofStatus, &given(&[("status", " 1 ")]))
                .unwrap()
                .boolean("status")
        );
    }

    #[test]
    fn value_types_are_required_in_the_wsdl_and_reference_types_are_not() {
        assert_eq!(Kind::Boolean.min_occurs(), 1);
        assert_eq!(Kind::Schema("UMGreetingType").min_occurs(), 1);
        assert_eq!(Kind::String.min_occurs(), 0);
        assert_eq!(Kind::Schema("UMProperties").min_occurs(), 0);
    }
}

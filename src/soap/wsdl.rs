//! The WSDL 1.1 document served at `<endpoint>?wsdl`.
//!
//! The real service publishes none; client generators (zeep, node-soap, svcutil) need one, and
//! silently drop what they cannot bind. So: the schema inline (nothing to fetch), document/literal
//! with `element=` parts only, every operation in portType, binding and service, and the
//! `soap:address` the client used. Element shapes follow the double's own wire format (`soap`
//! and `operations`): the value an operation returns sits in an inner element named like the
//! response element, all in the messages namespace.

use quick_xml::escape::escape;

use super::schema::{describe, Kind, COMPLEX, ENUMS};
use super::MessagesNs;
use crate::vocab::Operation;

/// Names of the service, its port type, binding and port (the .asmx conventions).
const SERVICE: &str = "UMService";
const PORT: &str = "UMServiceSoap";

/// The WSDL for the endpoint at `service_url` (an absolute URL; it is escaped here).
pub(crate) fn document(service_url: &str) -> String {
    let ns = MessagesNs::Http.uri();
    let mut out = String::with_capacity(16 * 1024);
    out.push_str(&format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="{ns}" targetNamespace="{ns}">
  <wsdl:documentation>Exchange Unified Messaging web service (MS-OXWUMS), as served by exchange-um-mock.</wsdl:documentation>
  <wsdl:types>
    <xs:schema elementFormDefault="qualified" targetNamespace="{ns}">
"#
    ));
    schema(&mut out);
    out.push_str("    </xs:schema>\n  </wsdl:types>\n");
    for &operation in Operation::ALL {
        let name = operation.name();
        out.push_str(&format!(
            r#"  <wsdl:message name="{name}SoapIn"><wsdl:part name="parameters" element="tns:{name}"/></wsdl:message>
  <wsdl:message name="{name}SoapOut"><wsdl:part name="parameters" element="tns:{name}Response"/></wsdl:message>
"#
        ));
    }
    out.push_str(&format!("  <wsdl:portType name=\"{PORT}\">\n"));
    for &operation in Operation::ALL {
        let name = operation.name();
        out.push_str(&format!(
            r#"    <wsdl:operation name="{name}">
      <wsdl:input message="tns:{name}SoapIn"/>
      <wsdl:output message="tns:{name}SoapOut"/>
    </wsdl:operation>
"#
        ));
    }
    out.push_str(&format!(
        r#"  </wsdl:portType>
  <wsdl:binding name="{PORT}" type="tns:{PORT}">
    <soap:binding transport="http://schemas.xmlsoap.org/soap/http" style="document"/>
"#
    ));
    for &operation in Operation::ALL {
        let name = operation.name();
        out.push_str(&format!(
            r#"    <wsdl:operation name="{name}">
      <soap:operation soapAction="{ns}/{name}" style="document"/>
      <wsdl:input><soap:body use="literal"/></wsdl:input>
      <wsdl:output><soap:body use="literal"/></wsdl:output>
    </wsdl:operation>
"#
        ));
    }
    out.push_str(&format!(
        r#"  </wsdl:binding>
  <wsdl:service name="{SERVICE}">
    <wsdl:port name="{PORT}" binding="tns:{PORT}">
      <soap:address location="{location}"/>
    </wsdl:port>
  </wsdl:service>
</wsdl:definitions>
"#,
        location = escape(service_url),
    ));
    out
}

/// The inline schema: shared types, then a request and a response element per operation.
fn schema(out: &mut String) {
    for (name, values) in ENUMS {
        out.push_str(&format!(
            "      <xs:simpleType name=\"{name}\">\n        <xs:restriction base=\"xs:string\">\n"
        ));
        for value in values {
            out.push_str(&format!("          <xs:enumeration value=\"{value}\"/>\n"));
        }
        out.push_str("        </xs:restriction>\n      </xs:simpleType>\n");
    }
    for (name, fields) in COMPLEX {
        out.push_str(&format!("      <xs:complexType name=\"{name}\">\n"));
        sequence(out, fields, "        ");
        out.push_str("      </xs:complexType>\n");
    }
    for &operation in Operation::ALL {
        let name = operation.name();
        let description = describe(operation);
        let parameters: Vec<(&str, Kind)> = description
            .params
            .iter()
            .map(|p| (p.name, p.kind))
            .collect();
        element(out, name, &parameters);
        let response = format!("{name}Response");
        match description.returns {
            Some(kind) => element(out, &response, &[(&response, kind)]),
            None => element(out, &response, &[]),
        }
    }
}

/// A global element of an anonymous complex type holding `children`.
fn element(out: &mut String, name: &str, children: &[(&str, Kind)]) {
    if children.is_empty() {
        out.push_str(&format!(
            "      <xs:element name=\"{name}\">\n        <xs:complexType/>\n      </xs:element>\n"
        ));
        return;
    }
    out.push_str(&format!(
        "      <xs:element name=\"{name}\">\n        <xs:complexType>\n"
    ));
    sequence(out, children, "          ");
    out.push_str("        </xs:complexType>\n      </xs:element>\n");
}

fn sequence(out: &mut String, children: &[(&str, Kind)], indent: &str) {
    out.push_str(&format!("{indent}<xs:sequence>\n"));
    for (child, kind) in children {
        out.push_str(&format!(
            "{indent}  <xs:element minOccurs=\"{min}\" maxOccurs=\"1\" name=\"{child}\" type=\"{ty}\"/>\n",
            min = kind.min_occurs(),
            ty = kind.xsd(),
        ));
    }
    out.push_str(&format!("{indent}</xs:sequence>\n"));
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use quick_xml::events::Event;
    use quick_xml::name::ResolveResult;
    use quick_xml::NsReader;

    use super::*;

    const WSDL_NS: &[u8] = b"http://schemas.xmlsoap.org/wsdl/";
    const WSDL_SOAP_NS: &[u8] = b"http://schemas.xmlsoap.org/wsdl/soap/";

    /// An element found: namespace, local name, attributes, ancestors' local names.
    type Found = (Vec<u8>, String, BTreeMap<String, String>, Vec<String>);

    /// Every element of the document; panics if the document is not well-formed.
    fn elements(xml: &str) -> Vec<Found> {
        let mut reader = NsReader::from_str(xml);
        let mut stack: Vec<String> = Vec::new();
        let mut found = Vec::new();
        loop {
            let (ns, event) = reader
                .read_resolved_event()
                .expect("the WSDL is well-formed XML");
            let ns = match ns {
                ResolveResult::Bound(ns) => ns.into_inner().to_vec(),
                ResolveResult::Unbound => Vec::new(),
                ResolveResult::Unknown(prefix) => {
                    panic!("undeclared prefix {}", String::from_utf8_lossy(&prefix))
                }
            };
            let opens = matches!(event, Event::Start(_));
            match event {
                Event::Start(start) | Event::Empty(start) => {
                    let local =
                        String::from_utf8(start.local_name().into_inner().to_vec()).unwrap();
                    let attributes = start
                        .attributes()
                        .map(|a| {
                            let a = a.unwrap();
                            (
                                String::from_utf8(a.key.into_inner().to_vec()).unwrap(),
                                a.unescape_value().unwrap().into_owned(),
                            )
                        })
                        .collect();
                    found.push((ns, local.clone(), attributes, stack.clone()));
                    if opens {
                        stack.push(local);
                    }
                }
                Event::End(_) => {
                    stack.pop();
                }
                Event::Eof => break,
                _ => {}
            }
        }
        assert!(stack.is_empty(), "every element is closed");
        found
    }

    /// The `name` attributes of WSDL-namespace `local` elements directly under `parent`.
    fn names(xml: &str, local: &str, parent: &str) -> Vec<String> {
        elements(xml)
            .into_iter()
            .filter(|(ns, l, _, path)| {
                ns == WSDL_NS && l == local && path.last().map(String::as_str) == Some(parent)
            })
            .map(|(_, _, attributes, _)| attributes["name"].clone())
            .collect()
    }

    #[test]
    fn the_wsdl_is_well_formed_and_names_every_operation_in_port_type_binding_and_messages() {
        let xml = document("http://127.0.0.1:8080/EWS/UM2007Legacy.asmx");
        let all: Vec<String> = Operation::ALL
            .iter()
            .map(|op| op.name().to_string())
            .collect();
        assert_eq!(names(&xml, "operation", "portType"), all);
        assert_eq!(names(&xml, "operation", "binding"), all);
        let messages = names(&xml, "message", "definitions");
        for op in &all {
            assert!(messages.contains(&format!("{op}SoapIn")), "{op}SoapIn");
            assert!(messages.contains(&format!("{op}SoapOut")), "{op}SoapOut");
        }
        assert_eq!(names(&xml, "service", "definitions"), ["UMService"]);
    }

    #[test]
    fn message_parts_are_elements_and_the_binding_is_document_literal_with_a_soap_action_each() {
        let xml = document("http://localhost/UnifiedMessaging/Service.asmx");
        let all = elements(&xml);
        let parts: Vec<_> = all
            .iter()
            .filter(|(ns, l, _, _)| ns == WSDL_NS && l == "part")
            .collect();
        assert_eq!(parts.len(), 22);
        for (_, _, attributes, _) in parts {
            assert!(
                attributes.contains_key("element") && !attributes.contains_key("type"),
                "{attributes:?}"
            );
        }
        let actions: Vec<String> = all
            .iter()
            .filter(|(ns, l, _, _)| ns == WSDL_SOAP_NS && l == "operation")
            .map(|(_, _, a, _)| a["soapAction"].clone())
            .collect();
        let expected: Vec<String> = Operation::ALL
            .iter()
            .map(|op| format!("http://schemas.microsoft.com/exchange/services/2006/messages/{op}"))
            .collect();
        assert_eq!(actions, expected);
        for (ns, local, attributes, _) in &all {
            if ns == WSDL_SOAP_NS && local == "body" {
                assert_eq!(attributes["use"], "literal");
            }
            if ns == WSDL_SOAP_NS && (local == "binding" || local == "operation") {
                assert_eq!(attributes["style"], "document");
            }
            assert!(
                !attributes.contains_key("schemaLocation"),
                "nothing to fetch"
            );
        }
    }

    #[test]
    fn the_address_is_the_url_given_escaped() {
        let xml = document("http://h\"<&/EWS/UM2007Legacy.asmx");
        let address = elements(&xml)
            .into_iter()
            .find(|(ns, l, _, _)| ns == WSDL_SOAP_NS && l == "address")
            .map(|(_, _, a, _)| a["location"].clone());
        assert_eq!(
            address.as_deref(),
            Some("http://h\"<&/EWS/UM2007Legacy.asmx")
        );
    }

    #[test]
    fn schema_elements_follow_the_wire_shapes() {
        let xml = document("http://localhost/UnifiedMessaging/Service.asmx");
        let schema_elements: Vec<(String, Option<String>, Option<String>)> = elements(&xml)
            .into_iter()
            .filter(|(ns, l, _, _)| ns == b"http://www.w3.org/2001/XMLSchema" && l == "element")
            .map(|(_, _, a, _)| {
                (
                    a["name"].clone(),
                    a.get("type").cloned(),
                    a.get("minOccurs").cloned(),
                )
            })
            .collect();
        let has = |name: &str, ty: &str, min: &str| {
            schema_elements.iter().any(|(n, t, m)| {
                (n.as_str(), t.as_deref(), m.as_deref()) == (name, Some(ty), Some(min))
            })
        };
        assert!(
            has("status", "xs:boolean", "1"),
            "request booleans are required"
        );
        assert!(has("IsUMEnabledResponse", "xs:boolean", "1"));
        assert!(has("GetUMPropertiesResponse", "tns:UMProperties", "0"));
        assert!(has("GetCallInfoResponse", "tns:UMCallInfo", "0"));
        assert!(has("GreetingType", "tns:UMGreetingType", "1"));
        assert!(has("CallState", "tns:UMCallState", "1"));
        assert!(has("TelephoneAccessFolderEmail", "xs:string", "0"));
        assert!(xml.contains(r#"elementFormDefault="qualified""#));
    }

    fn get(
        shared: &crate::state::Shared,
        path: &str,
        query: Option<&str>,
    ) -> crate::vocab::wire::WireResponse {
        let headers = vec![("Host".to_string(), "localhost:9999".to_string())];
        let request =
            crate::vocab::wire::WireRequest::new("GET", path, query, headers, bytes::Bytes::new());
        match crate::service::endpoint::handle(shared, &request, None).reply {
            crate::vocab::wire::Reply::Http(response) => response,
            crate::vocab::wire::Reply::Network(fault) => {
                panic!("unexpected network fault {fault:?}")
            }
            crate::vocab::wire::Reply::Stream(_) => panic!("the WSDL is never streamed"),
        }
    }

    #[test]
    fn get_with_wsdl_in_any_case_serves_it_pointing_back_at_the_url_used_and_journals_it() {
        let config = crate::state::Config::default();
        let shared = crate::state::Shared::new(crate::FixtureSet::embedded(), config).unwrap();
        for (path, query) in [
            ("/EWS/UM2007Legacy.asmx", "wsdl"),
            ("/ews/um2007legacy.asmx", "WSDL"),
            ("/UnifiedMessaging/Service.asmx", "x=1&Wsdl="),
        ] {
            let response = get(&shared, path, Some(query));
            assert_eq!(response.status, 200, "{path}?{query}");
            assert_eq!(
                response.header("Content-Type"),
                Some("text/xml; charset=utf-8")
            );
            let body = std::str::from_utf8(&response.body).unwrap();
            assert!(
                body.contains(&format!(
                    r#"<soap:address location="http://localhost:9999{path}"/>"#
                )),
                "{body}"
            );
        }
        let journal = shared.with(|world| world.all_requests());
        assert_eq!(journal.len(), 3);
        assert_eq!(journal[0].path, "/EWS/UM2007Legacy.asmx?wsdl");
        assert_eq!(journal[0].status, Some(200));
    }

    #[test]
    fn get_without_wsdl_is_still_405_and_allows_get_and_post() {
        let config = crate::state::Config::default();
        let shared = crate::state::Shared::new(crate::FixtureSet::embedded(), config).unwrap();
        for query in [None, Some("disco"), Some("wsdlx")] {
            let response = get(&shared, "/EWS/UM2007Legacy.asmx", query);
            assert_eq!(response.status, 405, "{query:?}");
            assert_eq!(response.header("Allow"), Some("GET, POST"));
        }
    }
}

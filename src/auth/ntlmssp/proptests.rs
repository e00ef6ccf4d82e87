//! Property tests: arbitrary bytes, and real messages flipped, truncated, extended and with
//! a length or offset overwritten, fed to every decoder, to `accept` and to `verify`. Each
//! must answer Ok or Err; a panic fails the test.

use proptest::prelude::*;

use super::client::{
    build_authenticate, build_negotiate, ClientResponse, Credentials, WINDOWS_CLIENT_FLAGS,
};
use super::spnego::{self, NTLM_OID};
use super::*;

fn params() -> ChallengeParams<'static> {
    ChallengeParams {
        fqdn: "um01.contoso.com",
        profile: ChallengeProfile::Default,
        server_challenge: [7; 8],
        timestamp: 133_485_408_000_000_000,
    }
}

/// A CHALLENGE as the server sends it, and the state it keeps.
fn server_challenge() -> (Vec<u8>, Challenge) {
    let negotiate = decode_negotiate(&build_negotiate(WINDOWS_CLIENT_FLAGS))
        .expect("the client's NEGOTIATE decodes");
    encode_challenge(&negotiate, &params())
}

/// Valid tokens of every kind the server reads, to mutate.
fn seeds() -> Vec<Vec<u8>> {
    let (challenge_bytes, _) = server_challenge();
    let challenge = decode_challenge(&challenge_bytes).expect("the server's CHALLENGE decodes");
    let creds = Credentials {
        user: "alice",
        domain: "CONTOSO",
        password: "P@ssw0rd!",
        workstation: "WS01",
    };
    let type1 = build_negotiate(WINDOWS_CLIENT_FLAGS);
    let v2 = build_authenticate(
        &challenge,
        &creds,
        ClientResponse::NtlmV2 {
            client_challenge: [0xaa; 8],
            timestamp: 0,
        },
    );
    let ess = build_authenticate(
        &challenge,
        &creds,
        ClientResponse::Ntlm2Session {
            client_challenge: [0xaa; 8],
        },
    );
    vec![
        spnego::build_init(&[NTLM_OID], Some(&type1)),
        spnego::build_client_resp(&v2),
        spnego::challenge_response(&challenge_bytes),
        type1,
        v2,
        ess,
        challenge_bytes,
    ]
}

/// Every entry point over `bytes`; the results are dropped, only panics matter.
fn exercise(bytes: &[u8]) {
    let (_, pending) = server_challenge();
    if let Ok(NtlmMessage::Authenticate(auth)) = decode_message(bytes) {
        let _ = verify(&auth, &pending, "P@ssw0rd!");
        let _ = check_answers(&auth, &pending);
        let _ = auth.identity();
    }
    let _ = decode_negotiate(bytes);
    let _ = decode_challenge(bytes);
    let _ = decode_authenticate(bytes);
    if let Ok(token) = spnego::parse(bytes) {
        match token {
            spnego::NegotiateToken::Init(init) => drop(spnego::ntlm_from_init(&init)),
            spnego::NegotiateToken::Resp(resp) => drop(spnego::ntlm_from_resp(&resp)),
            spnego::NegotiateToken::RawNtlm(_) => {}
        }
    }
    for scheme in [Scheme::Ntlm, Scheme::Negotiate] {
        for pending in [None, Some(&pending)] {
            if let Ok(Step::Authenticate { message, .. }) =
                accept(scheme, bytes, pending, &params())
            {
                let _ = verify(&message, &server_challenge().1, "x");
            }
        }
    }
}

/// One change to a valid token.
#[derive(Debug, Clone)]
enum Mutation {
    Flip {
        at: usize,
        xor: u8,
    },
    Truncate {
        len: usize,
    },
    Extend {
        tail: Vec<u8>,
    },
    /// Overwrites four bytes, as a length or an offset would be.
    Overwrite {
        at: usize,
        value: u32,
    },
    Insert {
        at: usize,
        bytes: Vec<u8>,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(at, xor)| Mutation::Flip { at, xor }),
        any::<usize>().prop_map(|len| Mutation::Truncate { len }),
        proptest::collection::vec(any::<u8>(), 1..64).prop_map(|tail| Mutation::Extend { tail }),
        (
            any::<usize>(),
            prop_oneof![
                Just(0u32),
                Just(u32::MAX),
                Just(0x8000),
                0..512u32,
                any::<u32>()
            ]
        )
            .prop_map(|(at, value)| Mutation::Overwrite { at, value }),
        (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
    ]
}

fn apply(mut token: Vec<u8>, mutation: &Mutation) -> Vec<u8> {
    let len = token.len().max(1);
    match mutation {
        Mutation::Flip { at, xor } => {
            if let Some(byte) = token.get_mut(at % len) {
                *byte ^= xor;
            }
        }
        Mutation::Truncate { len: keep } => token.truncate(keep % len),
        Mutation::Extend { tail } => token.extend_from_slice(tail),
        Mutation::Overwrite { at, value } => {
            let at = at % len;
            for (i, byte) in value.to_le_bytes().into_iter().enumerate() {
                if let Some(slot) = token.get_mut(at + i) {
                    *slot = byte;
                }
            }
        }
        Mutation::Insert { at, bytes } => {
            let at = at % (token.len() + 1);
            token.splice(at..at, bytes.iter().copied());
        }
    }
    token
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        exercise(&bytes);
    }

    #[test]
    fn arbitrary_bytes_behind_a_valid_prefix_never_panic(
        prefix in prop_oneof![Just(&b"NTLMSSP\0\x01\0\0\0"[..]), Just(&b"NTLMSSP\0\x03\0\0\0"[..]), Just(&b"\x60\x82\x01\x00\x06\x06\x2b\x06\x01\x05\x05\x02\xa0"[..]), Just(&b"\xa1\x81\x80\x30"[..])],
        rest in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let mut bytes = prefix.to_vec();
        bytes.extend(rest);
        exercise(&bytes);
    }

    #[test]
    fn mutated_valid_tokens_never_panic(seed in 0..7usize, mutations in proptest::collection::vec(mutation(), 1..4)) {
        let token = mutations.iter().fold(seeds()[seed].clone(), apply);
        exercise(&token);
    }

    #[test]
    fn arbitrary_header_text_never_panics(text in ".{0,200}") {
        if let Ok(bytes) = decode_base64(&text) {
            exercise(&bytes);
        }
    }
}

#[test]
fn the_seeds_are_valid_so_mutations_start_from_real_messages() {
    for (i, seed) in seeds().iter().enumerate() {
        let ok = decode_message(seed).is_ok() || spnego::parse(seed).is_ok();
        assert!(ok, "seed {i} does not decode");
    }
}

//! Verifying the platform's event notifications (webhooks).
//!
//! The platform signs each notification it POSTs to an instance's
//! `event.notification.callback.url` when the instance has an
//! `event.notification.signature.key`: the header [`SIGNATURE_HEADER`] holds
//! `sha256=` and the base64 of HMAC-SHA256(key, raw body bytes). [`verify`] checks it
//! over the body exactly as received (never re-serialized JSON), in constant time, and
//! only then decodes the notification.
//!
//! ```
//! use open_connectors::{webhook, ErrorCode};
//!
//! let body = br#"{"message":{"eventId":"e-1","events":[]}}"#;
//! let signature = webhook::sign(body, b"my-signature-key");
//! let event = webhook::verify(body, Some(&signature), b"my-signature-key")?;
//! assert_eq!(event["message"]["eventId"], "e-1");
//!
//! let tampered = br#"{"message":{"eventId":"e-2","events":[]}}"#;
//! let e = webhook::verify(tampered, Some(&signature), b"my-signature-key").unwrap_err();
//! assert_eq!(e.code(), ErrorCode::WebhookSignature);
//! # Ok::<(), open_connectors::Error>(())
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::error::{Error, Result};

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "Elements-Webhook-Signature";
/// The header that carries the notification's id (for de-duplicating redeliveries).
pub const ID_HEADER: &str = "Elements-Webhook-Id";

const PREFIX: &str = "sha256=";

/// Standard base64, with or without its padding (lenient on what arrives).
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

fn refused(reason: impl Into<String>) -> Error {
    Error::WebhookSignature {
        reason: reason.into(),
    }
}

fn mac(key: &[u8]) -> Result<Hmac<Sha256>> {
    if key.is_empty() {
        return Err(Error::invalid(
            "key",
            "is empty: pass the instance's event.notification.signature.key",
        ));
    }
    Hmac::<Sha256>::new_from_slice(key).map_err(|_| Error::invalid("key", "is not a usable key"))
}

/// The signature header value the platform sends for `body` signed with `key`:
/// `sha256=<base64(HMAC-SHA256(key, body))>` (for tests of your own receiver).
pub fn sign(body: &[u8], key: &[u8]) -> String {
    // HMAC takes a key of any length (an empty one included): this never fails.
    let digest = Hmac::<Sha256>::new_from_slice(key)
        .map(|mut m| {
            m.update(body);
            m.finalize().into_bytes().to_vec()
        })
        .unwrap_or_default();
    format!("{PREFIX}{}", general_purpose::STANDARD.encode(digest))
}

/// Checks `signature` (the [`SIGNATURE_HEADER`] value, `None` when the header is
/// absent) against the raw `body` and the instance's signature `key`, in constant
/// time. Nothing is decoded. A missing or malformed header, or a mismatch, is
/// [`Error::WebhookSignature`] (code `webhook_signature`); an empty key is
/// `invalid_input` on `key`.
pub fn verify_signature(body: &[u8], signature: Option<&str>, key: &[u8]) -> Result<()> {
    let mac = mac(key)?;
    let signature = signature.map(str::trim).unwrap_or_default();
    if signature.is_empty() {
        return Err(refused(format!(
            "the {SIGNATURE_HEADER} header is missing: is event.notification.signature.key set on the instance?"
        )));
    }
    let encoded = signature
        .get(..PREFIX.len())
        .filter(|p| p.eq_ignore_ascii_case(PREFIX))
        .map(|_| &signature[PREFIX.len()..])
        .ok_or_else(|| {
            refused(format!(
                "the {SIGNATURE_HEADER} header is not `sha256=<base64>`"
            ))
        })?;
    let digest = BASE64.decode(encoded.trim()).map_err(|_| {
        refused(format!(
            "the {SIGNATURE_HEADER} header's digest is not base64"
        ))
    })?;
    if digest.len() != 32 {
        return Err(refused(format!(
            "the {SIGNATURE_HEADER} header's digest has {} bytes, not the 32 of SHA-256",
            digest.len()
        )));
    }
    let mut mac = mac;
    mac.update(body);
    mac.verify_slice(&digest).map_err(|_| {
        refused("does not match the body and key: the body was changed, or the key is not this instance's")
    })
}

/// [`verify_signature`], then the notification decoded as JSON (numbers kept exactly,
/// unknown fields as received). A correctly signed body that is not JSON is
/// `invalid_input` on `body`.
pub fn verify(body: &[u8], signature: Option<&str>, key: &[u8]) -> Result<Value> {
    verify_signature(body, signature, key)?;
    serde_json::from_slice(body).map_err(|e| {
        Error::invalid(
            "body",
            format!(
                "is signed correctly but is not JSON ({})",
                crate::redact::without_quoted_values(&e.to_string())
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    const KEY: &[u8] = b"s1gnature-key";
    const BODY: &[u8] = br#"{"message":{"eventId":"e-1","events":[{"objectType":"contacts","objectId":"7","eventType":"CREATED","elementKey":"sfdc"}]},"big":123456789012345678901234567890}"#;

    fn reason(e: &Error) -> String {
        match e {
            Error::WebhookSignature { reason } => reason.clone(),
            other => panic!("not a signature error: {other:?}"),
        }
    }

    #[test]
    fn good_signatures_verify_and_decode_exactly() {
        let sig = sign(BODY, KEY);
        // A known answer (computed independently with Python's hmac + base64).
        assert_eq!(
            sign(b"{}", b"key"),
            "sha256=p3dyTZQ+tI3Gm8qKSm1XoE2z+ex+HeTlgehgJlvfMDI="
        );
        let v = verify(BODY, Some(&sig), KEY).unwrap();
        assert_eq!(v["message"]["events"][0]["eventType"], "CREATED");
        assert_eq!(v["big"].to_string(), "123456789012345678901234567890");
        // Lenient on what arrives: spaces around, `SHA256=`, padding left out.
        let unpadded = sig.trim_end_matches('=').to_owned();
        for s in [
            format!("  {sig} "),
            sig.replacen("sha256", "SHA256", 1),
            unpadded,
        ] {
            verify_signature(BODY, Some(&s), KEY).unwrap();
        }
    }

    #[test]
    fn every_defect_is_a_typed_refusal() {
        let sig = sign(BODY, KEY);
        let mut tampered = BODY.to_vec();
        tampered[15] ^= 1;
        type Case<'a> = (Vec<u8>, Option<String>, &'a [u8], &'a str);
        let cases: Vec<Case> = vec![
            (tampered, Some(sig.clone()), KEY, "does not match"),
            (
                BODY.to_vec(),
                Some(sig.clone()),
                b"s1gnature-kez",
                "does not match",
            ),
            (BODY.to_vec(), None, KEY, "missing"),
            (BODY.to_vec(), Some("  ".into()), KEY, "missing"),
            (
                BODY.to_vec(),
                Some(sig["sha256=".len()..].to_owned()),
                KEY,
                "not `sha256=<base64>`",
            ),
            (
                BODY.to_vec(),
                Some("sha25".into()),
                KEY,
                "not `sha256=<base64>`",
            ),
            (BODY.to_vec(), Some("sha256=***".into()), KEY, "not base64"),
            (BODY.to_vec(), Some("sha256=".into()), KEY, "0 bytes"),
            (
                BODY.to_vec(),
                Some(format!(
                    "sha256={}",
                    general_purpose::STANDARD.encode([7u8; 33])
                )),
                KEY,
                "33 bytes",
            ),
            (
                BODY.to_vec(),
                Some(format!(
                    "sha256={}",
                    general_purpose::STANDARD.encode([7u8; 31])
                )),
                KEY,
                "31 bytes",
            ),
            (
                BODY.to_vec(),
                Some(sig[..sig.len() - 4].to_owned()),
                KEY,
                "30 bytes",
            ),
        ];
        for (body, header, key, want) in cases {
            let e = verify(&body, header.as_deref(), key).unwrap_err();
            assert_eq!(e.code(), ErrorCode::WebhookSignature, "{header:?}");
            let r = reason(&e);
            assert!(r.contains(want), "{header:?}: {r}");
            assert!(!r.contains(&sig[7..]), "the signature is not echoed: {r}");
        }
        let e = verify(BODY, Some(&sig), b"").unwrap_err();
        assert_eq!(
            (e.code(), e.field()),
            (ErrorCode::InvalidInput, Some("key"))
        );
        assert_eq!(sign(b"x", b""), {
            let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&[]).unwrap();
            m.update(b"x");
            format!(
                "sha256={}",
                general_purpose::STANDARD.encode(m.finalize().into_bytes())
            )
        });
    }

    #[test]
    fn a_signed_body_that_is_not_json_is_invalid_input() {
        let body = b"token=s3cr3t-value";
        let e = verify(body, Some(&sign(body, KEY)), KEY).unwrap_err();
        assert_eq!(
            (e.code(), e.field()),
            (ErrorCode::InvalidInput, Some("body"))
        );
        assert!(!e.to_string().contains("s3cr3t"), "{e}");
        verify_signature(body, Some(&sign(body, KEY)), KEY).unwrap();
    }
}

//! The deterministic records of `POST /__sandbox/hub/seed`: the record with a given
//! id of a given object always has the same fields, computed from the id when read.
//! Seeding therefore stores nothing but ids (100,000 contacts in a few milliseconds,
//! a few bytes each), and a seeded record becomes an ordinary stored one when it is
//! updated.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::hub::Object;
use crate::ocnql::{FieldPath, Scalar};
use crate::util::{write_json_str, write_u64};

/// The fields of a seeded contact, in the order they are rendered.
pub(crate) const CONTACT_FIELDS: &[&str] = &[
    "id",
    "firstName",
    "lastName",
    "email",
    "phone",
    "title",
    "address",
    "score",
    "active",
    "accountId",
    "createdDate",
    "modifiedDate",
];

/// The fields of a seeded account, in the order they are rendered.
pub(crate) const ACCOUNT_FIELDS: &[&str] = &[
    "id",
    "name",
    "industry",
    "employees",
    "annualRevenue",
    "website",
    "phone",
    "address",
    "active",
    "createdDate",
    "modifiedDate",
];

/// The fields of `address`, in order.
const ADDRESS_FIELDS: &[&str] = &["street", "city", "postalCode", "country"];

const FIRST_NAMES: [&str; 16] = [
    "Ada",
    "Alan",
    "Grace",
    "Linus",
    "Margaret",
    "Dennis",
    "Barbara",
    "Ken",
    "Frances",
    "Edsger",
    "Radia",
    "Donald",
    "Hedy",
    "Tim",
    "Katherine",
    "John",
];
/// `O'Neil` is there on purpose: a value with a quote, for OCNQL's `''`.
const LAST_NAMES: [&str; 16] = [
    "Lovelace",
    "Turing",
    "Hopper",
    "Torvalds",
    "Hamilton",
    "Ritchie",
    "Liskov",
    "Thompson",
    "Allen",
    "Dijkstra",
    "Perlman",
    "Knuth",
    "Lamarr",
    "Berners-Lee",
    "Johnson",
    "O'Neil",
];
const TITLES: [&str; 7] = [
    "CEO",
    "CTO",
    "Engineer",
    "Sales Manager",
    "Analyst",
    "Designer",
    "Support Lead",
];
/// `São Paulo` is there on purpose: a non-ASCII value.
const CITIES: [(&str, &str); 12] = [
    ("Paris", "FR"),
    ("London", "GB"),
    ("Berlin", "DE"),
    ("New York", "US"),
    ("Tokyo", "JP"),
    ("São Paulo", "BR"),
    ("Sydney", "AU"),
    ("Toronto", "CA"),
    ("Madrid", "ES"),
    ("Walldorf", "DE"),
    ("Bangalore", "IN"),
    ("Cape Town", "ZA"),
];
const COMPANY_NAMES: [&str; 10] = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Stark",
    "Wayne",
    "Wonka",
    "Soylent",
    "Cyberdyne",
];
const COMPANY_KINDS: [&str; 8] = [
    "Corp",
    "Industries",
    "Systems",
    "Labs",
    "Holdings",
    "Partners",
    "Group",
    "Trading",
];
const INDUSTRIES: [&str; 8] = [
    "Technology",
    "Finance",
    "Healthcare",
    "Retail",
    "Manufacturing",
    "Energy",
    "Education",
    "Media",
];

/// 2024-01-01T00:00:00Z: contact `n` was created `n - 1` times 10 minutes later.
const CONTACTS_EPOCH: i64 = 1_704_067_200;
/// 2023-01-01T00:00:00Z: account `n` was created `n - 1` hours later.
const ACCOUNTS_EPOCH: i64 = 1_672_531_200;

pub(crate) fn fields(object: Object) -> &'static [&'static str] {
    match object {
        Object::Contacts => CONTACT_FIELDS,
        Object::Accounts => ACCOUNT_FIELDS,
    }
}

fn pick<const N: usize>(list: &[&'static str; N], n: u64) -> &'static str {
    list[(n % N as u64) as usize]
}

fn city(object: Object, id: u64) -> (&'static str, &'static str) {
    let n = match object {
        Object::Contacts => id.wrapping_mul(5),
        Object::Accounts => id.wrapping_mul(7).wrapping_add(3),
    };
    CITIES[(n % CITIES.len() as u64) as usize]
}

fn created(object: Object, id: u64) -> i64 {
    let n = id.saturating_sub(1).min(i64::MAX as u64 / 4_000) as i64;
    match object {
        Object::Contacts => CONTACTS_EPOCH + n * 600,
        Object::Accounts => ACCOUNTS_EPOCH + n * 3_600,
    }
}

fn modified(object: Object, id: u64) -> i64 {
    created(object, id) + (id.wrapping_mul(7_919) % (30 * 86_400)) as i64
}

/// Letters and digits only, lowercased (`O'Neil` gives `oneil`).
fn email_part(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn int(n: u64) -> Scalar<'static> {
    Scalar::Int(n.min(i64::MAX as u64) as i64)
}

fn text(s: String) -> Scalar<'static> {
    Scalar::Str(Cow::Owned(s))
}

fn word(s: &'static str) -> Scalar<'static> {
    Scalar::Str(Cow::Borrowed(s))
}

/// A top-level field other than `address` (`None`: the record has no such field).
fn leaf(object: Object, id: u64, field: &str) -> Option<Scalar<'static>> {
    let first = pick(&FIRST_NAMES, id);
    Some(match (object, field) {
        (_, "id") => int(id),
        (_, "createdDate") => text(iso8601(created(object, id))),
        (_, "modifiedDate") => text(iso8601(modified(object, id))),
        (Object::Contacts, "firstName") => word(first),
        (Object::Contacts, "lastName") => word(pick(&LAST_NAMES, id / 16)),
        (Object::Contacts, "email") => text(format!(
            "{}.{}{id}@example.com",
            email_part(first),
            email_part(pick(&LAST_NAMES, id / 16))
        )),
        // Every fifth contact has no phone (for IS NULL).
        (Object::Contacts, "phone") if id.is_multiple_of(5) => return None,
        (_, "phone") => text(format!("+1 555 {:04}", id % 10_000)),
        (Object::Contacts, "title") => word(pick(&TITLES, id)),
        (Object::Contacts, "score") => int(id.wrapping_mul(37) % 101),
        (Object::Contacts, "active") => Scalar::Bool(!id.is_multiple_of(3)),
        (Object::Contacts, "accountId") => int(id.saturating_sub(1) % 1_000 + 1),
        (Object::Accounts, "name") => text(format!(
            "{} {} {id}",
            pick(&COMPANY_NAMES, id),
            pick(&COMPANY_KINDS, id / 10)
        )),
        (Object::Accounts, "industry") => word(pick(&INDUSTRIES, id.wrapping_mul(3))),
        (Object::Accounts, "employees") => int(employees(id)),
        (Object::Accounts, "annualRevenue") => int(employees(id) * 125_000),
        (Object::Accounts, "website") => text(format!("https://account{id}.example.com")),
        (Object::Accounts, "active") => Scalar::Bool(!id.is_multiple_of(4)),
        _ => return None,
    })
}

fn employees(id: u64) -> u64 {
    id.wrapping_mul(7_919) % 10_000 + 1
}

fn address_leaf(object: Object, id: u64, field: &str) -> Option<Scalar<'static>> {
    let (city, country) = city(object, id);
    Some(match field {
        "street" => text(format!("{} Main Street", id % 997 + 1)),
        "city" => word(city),
        "postalCode" => text(format!("{:05}", id.wrapping_mul(7_919) % 100_000)),
        "country" => word(country),
        _ => return None,
    })
}

/// The canonical name matching `name`: exact, else ignoring ASCII case.
fn canonical(names: &'static [&'static str], name: &str) -> Option<&'static str> {
    names
        .iter()
        .copied()
        .find(|n| *n == name)
        .or_else(|| names.iter().copied().find(|n| n.eq_ignore_ascii_case(name)))
}

/// The value at `path` of seeded record `id`, for `where` and `orderBy`.
pub(crate) fn scalar(object: Object, id: u64, path: &FieldPath) -> Option<Scalar<'static>> {
    let top = canonical(fields(object), &path.parts[0])?;
    match (top, path.parts.len()) {
        ("address", 1) => Some(Scalar::Complex),
        ("address", 2) => address_leaf(object, id, canonical(ADDRESS_FIELDS, &path.parts[1])?),
        (_, 1) => leaf(object, id, top),
        _ => None,
    }
}

fn json_of(s: Scalar<'static>) -> Value {
    match s {
        Scalar::Null | Scalar::Complex => Value::Null,
        Scalar::Bool(b) => Value::Bool(b),
        Scalar::Int(i) => Value::from(i),
        Scalar::Float(f) => Value::from(f),
        Scalar::Str(s) => Value::String(s.into_owned()),
    }
}

fn address(object: Object, id: u64) -> Value {
    let mut m = Map::new();
    for f in ADDRESS_FIELDS {
        if let Some(s) = address_leaf(object, id, f) {
            m.insert((*f).to_owned(), json_of(s));
        }
    }
    Value::Object(m)
}

/// The JSON value at `path`, for `fields`.
pub(crate) fn value(object: Object, id: u64, path: &FieldPath) -> Option<Value> {
    let top = canonical(fields(object), &path.parts[0])?;
    match (top, path.parts.len()) {
        ("address", 1) => Some(address(object, id)),
        ("address", 2) => Some(json_of(address_leaf(
            object,
            id,
            canonical(ADDRESS_FIELDS, &path.parts[1])?,
        )?)),
        (_, 1) => Some(json_of(leaf(object, id, top)?)),
        _ => None,
    }
}

fn write_scalar(out: &mut Vec<u8>, s: &Scalar<'_>) {
    match s {
        Scalar::Null | Scalar::Complex => out.extend_from_slice(b"null"),
        Scalar::Bool(true) => out.extend_from_slice(b"true"),
        Scalar::Bool(false) => out.extend_from_slice(b"false"),
        Scalar::Int(i) => {
            if *i < 0 {
                out.push(b'-');
            }
            write_u64(out, i.unsigned_abs());
        }
        Scalar::Float(f) => crate::util::write_json(out, f),
        Scalar::Str(s) => write_json_str(out, s),
    }
}

/// Appends seeded record `id` as JSON, its fields in the order of [`fields`].
pub(crate) fn write(object: Object, id: u64, out: &mut Vec<u8>) {
    out.push(b'{');
    let mut first = true;
    for &f in fields(object) {
        if f == "address" {
            if !first {
                out.push(b',');
            }
            first = false;
            out.extend_from_slice(b"\"address\":{");
            for (i, sub) in ADDRESS_FIELDS.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json_str(out, sub);
                out.push(b':');
                write_scalar(out, &address_leaf(object, id, sub).unwrap_or(Scalar::Null));
            }
            out.push(b'}');
            continue;
        }
        let Some(s) = leaf(object, id, f) else {
            continue;
        };
        if !first {
            out.push(b',');
        }
        first = false;
        write_json_str(out, f);
        out.push(b':');
        write_scalar(out, &s);
    }
    out.push(b'}');
}

/// Seeded record `id` as a JSON object (when it is updated and becomes stored).
pub(crate) fn to_map(object: Object, id: u64) -> Map<String, Value> {
    let mut out = Vec::with_capacity(512);
    write(object, id, &mut out);
    match serde_json::from_slice(&out) {
        Ok(Value::Object(m)) => m,
        _ => unreachable!("a seeded record is a JSON object"),
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the Unix epoch (days to civil date by
/// Howard Hinnant's algorithm: no allocation beyond the string, fast in debug builds).
pub(crate) fn iso8601(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util::iso8601_utc;

    #[test]
    fn dates_match_jiff() {
        for secs in [
            0,
            CONTACTS_EPOCH,
            ACCOUNTS_EPOCH,
            951_782_400,
            1_709_164_800,
            4_107_542_399,
            1_523_471_146,
            -86_401,
        ] {
            let want = iso8601_utc(jiff::Timestamp::from_second(secs).unwrap());
            assert_eq!(iso8601(secs), want, "{secs}");
        }
        assert_eq!(iso8601(CONTACTS_EPOCH), "2024-01-01T00:00:00Z");
    }

    #[test]
    fn records_are_deterministic_and_consistent() {
        for object in [Object::Contacts, Object::Accounts] {
            for id in [1u64, 2, 5, 16, 17, 255, 1_000, 99_999, 100_000] {
                let map = to_map(object, id);
                assert_eq!(map, to_map(object, id));
                assert_eq!(map["id"], id);
                // What `where` and `fields` read agrees with what is rendered.
                for (k, v) in &map {
                    let path = FieldPath {
                        parts: vec![k.clone()],
                        literal: None,
                    };
                    assert_eq!(value(object, id, &path).as_ref(), Some(v));
                    if let Value::Object(inner) = v {
                        for (k2, v2) in inner {
                            let path = FieldPath {
                                parts: vec![k.clone(), k2.clone()],
                                literal: None,
                            };
                            assert_eq!(Some(Scalar::of(v2)), scalar(object, id, &path));
                        }
                    } else {
                        assert_eq!(Some(Scalar::of(v)), scalar(object, id, &path), "{k}");
                    }
                }
                let keys: Vec<&str> = map.keys().map(String::as_str).collect();
                let want: Vec<&str> = fields(object)
                    .iter()
                    .copied()
                    .filter(|f| !(*f == "phone" && object == Object::Contacts && id % 5 == 0))
                    .collect();
                assert_eq!(keys, want);
            }
        }
        let c = to_map(Object::Contacts, 17);
        assert_eq!(
            Value::Object(c).to_string(),
            r#"{"id":17,"firstName":"Alan","lastName":"Turing","email":"alan.turing17@example.com","phone":"+1 555 0017","title":"Sales Manager","address":{"street":"18 Main Street","city":"London","postalCode":"34623","country":"GB"},"score":23,"active":true,"accountId":17,"createdDate":"2024-01-01T02:40:00Z","modifiedDate":"2024-01-02T16:03:43Z"}"#
        );
        let path = |s: &str| FieldPath {
            parts: s.split('.').map(str::to_owned).collect(),
            literal: None,
        };
        // Names resolve ignoring ASCII case, as `where=Name='...'` in the docs.
        assert_eq!(
            scalar(Object::Contacts, 17, &path("FIRSTNAME")),
            Some(word("Alan"))
        );
        assert_eq!(
            scalar(Object::Contacts, 17, &path("Address.City")),
            Some(word("London"))
        );
        assert_eq!(scalar(Object::Contacts, 17, &path("nothing")), None);
        assert_eq!(scalar(Object::Contacts, 17, &path("id.x")), None);
        assert_eq!(scalar(Object::Contacts, 15, &path("phone")), None);
        assert_eq!(
            scalar(Object::Contacts, 16 * 15 + 1, &path("lastName")),
            Some(word("O'Neil"))
        );
    }
}

//! Reading the claims of a verified token.
//!
//! authkit mints its claims in one fixed layout (`{"iss":…,"aud":…,"sub":…,"sid":…,"role":…,
//! "iat":…,"nbf":…,"exp":…,"jti":…}`, compact, strings without escapes). [`parse_minted`] reads
//! exactly that layout by hand, borrowing from the payload; anything else — other member order,
//! whitespace, escapes, an `aud` array, extra members — returns `None` and the caller falls back
//! to strict serde parsing. The fast path accepts only inputs that serde reads to the same values,
//! so it changes speed, never outcomes.

use uuid::Uuid;

/// Claims read from the minted layout, borrowing the payload's strings.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct MintedClaims<'a> {
    pub iss: &'a str,
    pub aud: &'a str,
    pub sub: Uuid,
    pub sid: Uuid,
    pub role: &'a str,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: Uuid,
}

/// The claims if `json` is exactly in the minted layout; `None` otherwise.
pub(super) fn parse_minted(json: &[u8]) -> Option<MintedClaims<'_>> {
    let mut c = Cursor { rest: json };
    c.literal(b"{\"iss\":")?;
    let iss = c.string()?;
    c.literal(b",\"aud\":")?;
    let aud = c.string()?;
    c.literal(b",\"sub\":")?;
    let sub = c.uuid()?;
    c.literal(b",\"sid\":")?;
    let sid = c.uuid()?;
    c.literal(b",\"role\":")?;
    let role = c.string()?;
    c.literal(b",\"iat\":")?;
    let iat = c.integer()?;
    c.literal(b",\"nbf\":")?;
    let nbf = c.integer()?;
    c.literal(b",\"exp\":")?;
    let exp = c.integer()?;
    c.literal(b",\"jti\":")?;
    let jti = c.uuid()?;
    c.literal(b"}")?;
    c.rest.is_empty().then_some(MintedClaims {
        iss,
        aud,
        sub,
        sid,
        role,
        iat,
        nbf,
        exp,
        jti,
    })
}

struct Cursor<'a> {
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn literal(&mut self, expected: &[u8]) -> Option<()> {
        self.rest = self.rest.strip_prefix(expected)?;
        Some(())
    }

    /// A string with no escapes and no control characters (anything else: not the fast path).
    fn string(&mut self) -> Option<&'a str> {
        let rest = self.rest.strip_prefix(b"\"")?;
        let end = rest.iter().position(|b| *b == b'"')?;
        let (content, after) = rest.split_at(end);
        if content.iter().any(|b| *b == b'\\' || *b < 0x20) {
            return None;
        }
        self.rest = &after[1..];
        std::str::from_utf8(content).ok()
    }

    fn uuid(&mut self) -> Option<Uuid> {
        Uuid::try_parse(self.string()?).ok()
    }

    /// A non-negative JSON integer that fits an `i64`: digits only, no leading zeros, no sign,
    /// fraction or exponent. `mint` never writes anything else, and anything else (`-0`, which
    /// serde reads as a float, or any negative time) is left to the general parser, so the
    /// fast path never decides differently from it.
    fn integer(&mut self) -> Option<i64> {
        let digits = self.rest;
        let len = digits.iter().take_while(|b| b.is_ascii_digit()).count();
        if len == 0 || (len > 1 && digits[0] == b'0') {
            return None;
        }
        let mut value: i64 = 0;
        for d in &digits[..len] {
            let digit = i64::from(d - b'0');
            value = value.checked_mul(10)?.checked_add(digit)?;
        }
        self.rest = &digits[len..];
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINTED: &str = r#"{"iss":"https://a.example","aud":"api","sub":"01a1fcc1-b2e2-75dd-9477-830f018f75ac","sid":"01a1fcc1-b2e2-75dd-9477-830f018f75ad","role":"user","iat":1700000000,"nbf":1700000000,"exp":1700000900,"jti":"01a1fcc1-b2e2-75dd-9477-830f018f75ae"}"#;

    #[test]
    fn the_minted_layout_is_read() {
        let c = parse_minted(MINTED.as_bytes()).unwrap();
        assert_eq!((c.iss, c.aud, c.role), ("https://a.example", "api", "user"));
        assert_eq!(
            (c.iat, c.nbf, c.exp),
            (1_700_000_000, 1_700_000_000, 1_700_000_900)
        );
        assert_eq!(c.sub.to_string(), "01a1fcc1-b2e2-75dd-9477-830f018f75ac");
    }

    #[test]
    fn anything_else_falls_back() {
        let variants = [
            MINTED.replacen("{\"iss\"", "{ \"iss\"", 1),
            MINTED.replacen("\"api\"", "[\"api\"]", 1),
            MINTED.replacen("\"user\"", "\"us\\u0065r\"", 1),
            MINTED.replacen("1700000900", "\"1700000900\"", 1),
            MINTED.replacen("1700000900", "1700000900.0", 1),
            MINTED.replacen("1700000900", "01700000900", 1),
            MINTED.replacen("1700000900", "99999999999999999999", 1),
            MINTED.replacen("}", ",\"extra\":1}", 1),
            format!("{MINTED} "),
            MINTED.replacen("\"sub\"", "\"sid\"", 1),
        ];
        for v in &variants {
            assert_eq!(parse_minted(v.as_bytes()), None, "{v}");
        }
    }

    #[test]
    fn zero_and_the_largest_integer_are_exact_and_signs_fall_back() {
        let zero = MINTED.replacen("1700000900", "0", 1);
        assert_eq!(parse_minted(zero.as_bytes()).unwrap().exp, 0);
        let max = MINTED.replacen("1700000900", &i64::MAX.to_string(), 1);
        assert_eq!(parse_minted(max.as_bytes()).unwrap().exp, i64::MAX);
        for signed in ["-5", "-0", "+5", &i64::MIN.to_string()] {
            let v = MINTED.replacen("1700000000,\"nbf\"", &format!("{signed},\"nbf\""), 1);
            assert_eq!(parse_minted(v.as_bytes()), None, "{v}");
            let v = MINTED.replacen("\"nbf\":1700000000", &format!("\"nbf\":{signed}"), 1);
            assert_eq!(parse_minted(v.as_bytes()), None, "{v}");
        }
    }
}

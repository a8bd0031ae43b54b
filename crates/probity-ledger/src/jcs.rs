//! RFC 8785 JSON Canonicalization Scheme (JCS) for `serde_json::Value`: object members sorted by
//! their UTF-16 code units, no whitespace, ECMAScript string escaping and number formatting.
//!
//! Integers outside ±(2^53 − 1) are rejected rather than rounded, since JCS numbers are IEEE 754
//! doubles and rounding would silently change the data. Other numbers are formatted exactly as
//! ECMAScript's `Number.prototype.toString` does (shortest round-trip digits, exponent form below
//! 1e-6 and from 1e21). Duplicate object keys cannot be detected here: `serde_json` keeps the
//! last one when parsing.

use serde_json::{Number, Value};

/// Largest integer JCS represents exactly (`Number.MAX_SAFE_INTEGER`).
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Why a value has no canonical form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JcsError {
    /// An integer too large to be an exact IEEE 754 double.
    #[error("integer {0} is outside the exact range of json numbers")]
    UnsafeInteger(String),
    /// A number that is not finite.
    #[error("number is not finite")]
    NonFiniteNumber,
}

/// The canonical JSON text of `value`.
pub fn canonicalize(value: &Value) -> Result<String, JcsError> {
    let mut out = String::new();
    write_value(value, &mut out)?;
    Ok(out)
}

/// The canonical JSON bytes of `value` (UTF-8).
pub fn canonical_bytes(value: &Value) -> Result<Vec<u8>, JcsError> {
    canonicalize(value).map(String::into_bytes)
}

fn write_value(value: &Value, out: &mut String) -> Result<(), JcsError> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(number) => out.push_str(&format_number(number)?),
        Value::String(text) => write_string(text, out),
        Value::Array(items) => {
            out.push('[');
            for (position, item) in items.iter().enumerate() {
                if position > 0 {
                    out.push(',');
                }
                write_value(item, out)?;
            }
            out.push(']');
        }
        Value::Object(members) => {
            let mut sorted: Vec<(&String, &Value)> = members.iter().collect();
            sorted.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (position, (key, item)) in sorted.into_iter().enumerate() {
                if position > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_value(item, out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// Appends `text` as a canonical JSON string (quoted, ECMAScript escaping) to `out`.
pub fn write_string(text: &str, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn format_number(number: &Number) -> Result<String, JcsError> {
    if let Some(unsigned) = number.as_u64() {
        if unsigned > MAX_SAFE_INTEGER {
            return Err(JcsError::UnsafeInteger(unsigned.to_string()));
        }
        return Ok(unsigned.to_string());
    }
    if let Some(signed) = number.as_i64() {
        if signed.unsigned_abs() > MAX_SAFE_INTEGER {
            return Err(JcsError::UnsafeInteger(signed.to_string()));
        }
        return Ok(signed.to_string());
    }
    match number.as_f64() {
        Some(float) => format_f64(float),
        None => Err(JcsError::UnsafeInteger(number.to_string())),
    }
}

/// ECMAScript `Number.prototype.toString()` for a finite double.
pub fn format_f64(value: f64) -> Result<String, JcsError> {
    if !value.is_finite() {
        return Err(JcsError::NonFiniteNumber);
    }
    if value == 0.0 {
        return Ok("0".to_owned());
    }
    if value < 0.0 {
        return format_f64(-value).map(|s| format!("-{s}"));
    }
    let (digits, exponent) = shortest_digits(value).ok_or(JcsError::NonFiniteNumber)?;
    let k = digits.len() as i32;
    // ECMAScript's n: the value is 0.d1d2...dk × 10^n.
    let n = exponent + 1;
    let text = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        let (int_part, frac_part) = digits.split_at(n as usize);
        format!("{int_part}.{frac_part}")
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let sign = if n - 1 < 0 { '-' } else { '+' };
        let magnitude = (n - 1).unsigned_abs();
        let (first, rest) = digits.split_at(1);
        if rest.is_empty() {
            format!("{first}e{sign}{magnitude}")
        } else {
            format!("{first}.{rest}e{sign}{magnitude}")
        }
    };
    Ok(text)
}

/// Splits `d.ddd e x` text into its digits and exponent.
fn split_scientific(text: &str) -> Option<(String, i32)> {
    let (mantissa, exponent) = text.split_once('e')?;
    let digits = mantissa.chars().filter(char::is_ascii_digit).collect();
    Some((digits, exponent.parse().ok()?))
}

/// The digits `s` (and exponent of the first digit) ECMAScript picks: the fewest digits that
/// round-trip, and among those the closest to the exact value, ties to even.
fn shortest_digits(value: f64) -> Option<(String, i32)> {
    // Rust's `{:e}` yields the fewest round-tripping digits but does not break exact ties to
    // even (1424953923781206.25 gives ...206.3 where ECMAScript wants ...206.2). So round the
    // exact expansion (at most 767 significant digits) to that many digits, half to even, and
    // keep the result if it round-trips.
    let (shortest, exponent) = split_scientific(&format!("{value:e}"))?;
    let k = shortest.len();
    let (exact, exact_exponent) = split_scientific(&format!("{value:.800e}"))?;
    let exact: Vec<u8> = exact.bytes().map(|b| b - b'0').collect();
    let (head, tail) = exact.split_at(k.min(exact.len()));
    let last_is_odd = head.last().is_some_and(|d| d % 2 == 1);
    let round_up = match tail.split_first() {
        Some((first, rest)) => {
            *first > 5 || (*first == 5 && (rest.iter().any(|d| *d != 0) || last_is_odd))
        }
        None => false,
    };
    let mut rounded = head.to_vec();
    let mut rounded_exponent = exact_exponent;
    if round_up {
        let mut position = rounded.len();
        loop {
            if position == 0 {
                rounded.insert(0, 1);
                rounded.truncate(k);
                rounded_exponent += 1;
                break;
            }
            position -= 1;
            match rounded.get_mut(position) {
                Some(9) => {
                    if let Some(d) = rounded.get_mut(position) {
                        *d = 0;
                    }
                }
                Some(d) => {
                    *d += 1;
                    break;
                }
                None => break,
            }
        }
    }
    let candidate: String = rounded.iter().map(|d| char::from(b'0' + d)).collect();
    let (first, rest) = candidate.split_at(1.min(candidate.len()));
    let reparsed: Option<f64> = format!("{first}.{rest}0e{rounded_exponent}").parse().ok();
    if reparsed == Some(value) {
        Some((candidate, rounded_exponent))
    } else {
        Some((shortest, exponent))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_from_rfc8785_appendix_b() {
        let cases: [(u64, &str); 24] = [
            (0x0000000000000000, "0"),
            (0x8000000000000000, "0"),
            (0x0000000000000001, "5e-324"),
            (0x8000000000000001, "-5e-324"),
            (0x7fefffffffffffff, "1.7976931348623157e+308"),
            (0xffefffffffffffff, "-1.7976931348623157e+308"),
            (0x4340000000000000, "9007199254740992"),
            (0xc340000000000000, "-9007199254740992"),
            (0x4430000000000000, "295147905179352830000"),
            (0x44b52d02c7e14af5, "9.999999999999997e+22"),
            (0x44b52d02c7e14af6, "1e+23"),
            (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
            (0x444b1ae4d6e2ef4e, "999999999999999700000"),
            (0x444b1ae4d6e2ef4f, "999999999999999900000"),
            (0x444b1ae4d6e2ef50, "1e+21"),
            (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
            (0x3eb0c6f7a0b5ed8d, "0.000001"),
            (0x41b3de4355555553, "333333333.3333332"),
            (0x41b3de4355555554, "333333333.33333325"),
            (0x41b3de4355555555, "333333333.3333333"),
            (0x41b3de4355555556, "333333333.3333334"),
            (0x41b3de4355555557, "333333333.33333343"),
            (0xbecbf647612f3696, "-0.0000033333333333333333"),
            (0x43143ff3c1cb0959, "1424953923781206.2"),
        ];
        assert_eq!(format_f64(0.1 + 0.2).unwrap(), "0.30000000000000004");
        assert_eq!(format_f64(123e-20).unwrap(), "1.23e-18");
        assert_eq!(format_f64(-1.5).unwrap(), "-1.5");
        for (bits, expected) in cases {
            assert_eq!(
                format_f64(f64::from_bits(bits)).unwrap(),
                expected,
                "{bits:016x}"
            );
        }
        assert_eq!(format_f64(f64::NAN), Err(JcsError::NonFiniteNumber));
        assert_eq!(format_f64(f64::INFINITY), Err(JcsError::NonFiniteNumber));
    }

    #[test]
    fn rfc8785_example_object() {
        // The example of RFC 8785 §3.2.2 (numbers and literals) and §3.2.3 (sorting).
        let value: Value = serde_json::from_str(
            r#"{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
                "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
                "literals": [null, true, false]}"#,
        )
        .unwrap();
        assert_eq!(
            canonicalize(&value).unwrap(),
            "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\
             \"string\":\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}"
        );
    }

    #[test]
    fn keys_sort_by_utf16_code_units() {
        // RFC 8785 §3.2.3: U+1F600 (surrogates D83D DE00) sorts before U+FB33 in UTF-16 order,
        // although its UTF-8 bytes sort after.
        let value = json!({"\u{20ac}": "Euro Sign", "\r": "Carriage Return", "\u{fb33}":
            "Hebrew Letter Dalet With Dagesh", "1": "One", "\u{1f600}": "Emoji: Grinning Face",
            "\u{80}": "Control", "\u{f6}": "Latin Small Letter O With Diaeresis"});
        let text = canonicalize(&value).unwrap();
        let order: Vec<&str> = [
            "\\r",
            "1",
            "\u{80}",
            "\u{f6}",
            "\u{20ac}",
            "\u{1f600}",
            "\u{fb33}",
        ]
        .into_iter()
        .collect();
        let mut last = 0;
        for key in order {
            let position = text.find(&format!("\"{key}\":")).unwrap();
            assert!(position >= last, "{key} out of order in {text}");
            last = position;
        }
    }

    #[test]
    fn integers_outside_the_safe_range_are_rejected() {
        assert_eq!(
            canonicalize(&json!(9_007_199_254_740_991u64)).unwrap(),
            "9007199254740991"
        );
        assert_eq!(
            canonicalize(&json!(-9_007_199_254_740_991i64)).unwrap(),
            "-9007199254740991"
        );
        assert!(matches!(
            canonicalize(&json!(9_007_199_254_740_992u64)),
            Err(JcsError::UnsafeInteger(_))
        ));
        assert!(matches!(
            canonicalize(&json!(i64::MIN)),
            Err(JcsError::UnsafeInteger(_))
        ));
        assert_eq!(canonicalize(&json!(1.0)).unwrap(), "1");
        assert_eq!(canonicalize(&json!(-0.0)).unwrap(), "0");
    }

    #[test]
    fn no_whitespace_and_nested_sorting() {
        let value = json!({"b": [1, {"z": 1, "a": [true]}], "a": {}, "c": ""});
        assert_eq!(
            canonicalize(&value).unwrap(),
            r#"{"a":{},"b":[1,{"a":[true],"z":1}],"c":""}"#
        );
        assert_eq!(
            canonicalize(&json!("\u{1}\u{7f}\u{2028}")).unwrap(),
            "\"\\u0001\u{7f}\u{2028}\""
        );
    }
}

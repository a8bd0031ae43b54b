//! Reading a posted form's fields: the urlencoded pairs in order, repeated names kept (multiple
//! selects, checkbox groups). One implementation for every form module.

/// The first value of `name`, trimmed; empty when absent.
pub fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.trim())
}

/// Every non-empty value of `name`, trimmed, in order.
pub fn all<'a>(pairs: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(k, v)| k == name && !v.trim().is_empty())
        .map(|(_, v)| v.trim())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_value_and_every_value() {
        let pairs = vec![
            ("x".to_owned(), " 1 ".to_owned()),
            ("c".to_owned(), "a".to_owned()),
            ("c".to_owned(), " ".to_owned()),
            ("c".to_owned(), "b".to_owned()),
        ];
        assert_eq!((field(&pairs, "x"), field(&pairs, "y")), ("1", ""));
        assert_eq!(all(&pairs, "c"), vec!["a", "b"]);
    }
}

//! E-mail allow-lists as Seqera writes them (`tower.trustedEmails`, `tower.auth.oidc.allow-list`):
//! exact addresses and `*` wildcards such as `*@example.com`, `*@*.example.com` or
//! `jane+*@example.com`, compared case-insensitively.

/// A parsed, non-empty list of patterns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailPatterns(Vec<String>);

impl EmailPatterns {
    /// Parses a comma-separated list. Each pattern needs exactly one `@` with something on both
    /// sides; `*` stands for any run of characters.
    pub fn parse(list: &str) -> Result<Self, String> {
        let patterns: Vec<String> = list.split(',').map(|p| p.trim().to_lowercase()).filter(|p| !p.is_empty()).collect();
        if patterns.is_empty() {
            return Err("expected a comma-separated list of e-mail patterns such as *@example.com".into());
        }
        for p in &patterns {
            let ok = p.matches('@').count() == 1
                && !p.starts_with('@')
                && !p.ends_with('@')
                && !p.contains(char::is_whitespace)
                && !p.contains(['"', '<', '>', '(', ')', ';', ':', '\\']);
            if !ok {
                return Err(format!("'{p}' is not an e-mail pattern: use an address or a wildcard such as *@example.com"));
            }
        }
        Ok(EmailPatterns(patterns))
    }

    pub fn matches(&self, email: &str) -> bool {
        let email = email.trim().to_lowercase();
        self.0.iter().any(|p| glob_match(p.as_bytes(), email.as_bytes()))
    }

    pub fn patterns(&self) -> &[String] {
        &self.0
    }
}

/// `*` matches any run of bytes (including none); everything else matches itself. Iterative with
/// one backtrack point, so it is linear-ish and cannot blow up on many stars.
fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// A plausible e-mail address: something, `@`, a dotted domain, no whitespace.
pub fn is_email(s: &str) -> bool {
    let mut parts = s.splitn(2, '@');
    let (local, domain) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !s.contains(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seqera_pattern_forms_match_case_insensitively() {
        let l = EmailPatterns::parse("*@Example.com, *@*.corp.org, jane+*@home.net, bob@exact.io").unwrap();
        assert!(l.matches("Alice@EXAMPLE.com"));
        assert!(!l.matches("alice@example.com.evil.org"));
        assert!(!l.matches("alice@notexample.com"));
        assert!(l.matches("x@lab.corp.org"));
        assert!(!l.matches("x@corp.org"));
        assert!(l.matches("jane+tower@home.net"));
        assert!(!l.matches("jane@home.net"));
        assert!(l.matches("BOB@exact.io"));
        assert!(!l.matches("bob@exact.io.x"));
    }

    #[test]
    fn malformed_patterns_are_refused() {
        assert!(EmailPatterns::parse("").is_err());
        assert!(EmailPatterns::parse(" , ").is_err());
        assert!(EmailPatterns::parse("example.com").is_err());
        assert!(EmailPatterns::parse("a@b@c").is_err());
        assert!(EmailPatterns::parse("*@").is_err());
        assert!(EmailPatterns::parse("a b@c.d").is_err());
    }

    #[test]
    fn many_stars_do_not_explode() {
        let l = EmailPatterns::parse(&format!("{}@x.org", "*a".repeat(30))).unwrap();
        assert!(!l.matches(&format!("{}b@x.org", "a".repeat(40))));
    }
}

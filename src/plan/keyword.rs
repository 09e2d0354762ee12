//! `-k` keyword expressions (`lint or test`, `not slow`, `(a or b) and not c`), as in pytest and
//! nox: an identifier matches a session whose name contains it, case-insensitively.

/// A parsed `-k` expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeywordExpr {
    /// Matches names containing this text.
    Word(String),
    /// Logical not.
    Not(Box<KeywordExpr>),
    /// Both.
    And(Box<KeywordExpr>, Box<KeywordExpr>),
    /// Either.
    Or(Box<KeywordExpr>, Box<KeywordExpr>),
}

impl KeywordExpr {
    /// Parses `text`.
    ///
    /// # Errors
    /// A message for an empty expression, a dangling operator or unbalanced parentheses.
    pub fn parse(text: &str) -> Result<Self, String> {
        let tokens = tokenize(text);
        let mut parser = Parser { tokens: &tokens, position: 0, depth: 0 };
        let expression = parser.or()?;
        match parser.tokens.get(parser.position) {
            None => Ok(expression),
            Some(token) => Err(format!("unexpected `{token}`")),
        }
    }

    /// Whether `name` satisfies the expression.
    pub fn matches(&self, name: &str) -> bool {
        match self {
            KeywordExpr::Word(word) => name.to_lowercase().contains(&word.to_lowercase()),
            KeywordExpr::Not(inner) => !inner.matches(name),
            KeywordExpr::And(left, right) => left.matches(name) && right.matches(name),
            KeywordExpr::Or(left, right) => left.matches(name) || right.matches(name),
        }
    }
}

fn tokenize(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    for character in text.chars() {
        if character.is_whitespace() || character == '(' || character == ')' {
            if !current.is_empty() {
                tokens.push(std::mem::take(&mut current));
            }
            if !character.is_whitespace() {
                tokens.push(character.to_string());
            }
        } else {
            current.push(character);
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

/// How deeply `not` and parentheses may nest: the parser recurses, and a hostile `-k` of
/// thousands of `(` must be an error, not a stack overflow.
const MAX_DEPTH: usize = 64;

struct Parser<'a> {
    tokens: &'a [String],
    position: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&str> {
        self.tokens.get(self.position).map(String::as_str)
    }

    fn or(&mut self) -> Result<KeywordExpr, String> {
        let mut left = self.and()?;
        while self.peek() == Some("or") {
            self.position += 1;
            left = KeywordExpr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<KeywordExpr, String> {
        let mut left = self.not()?;
        while self.peek() == Some("and") {
            self.position += 1;
            left = KeywordExpr::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<KeywordExpr, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!("the expression nests `not` or parentheses more than {MAX_DEPTH} deep"));
        }
        let expression = if self.peek() == Some("not") {
            self.position += 1;
            self.not().map(|inner| KeywordExpr::Not(Box::new(inner)))
        } else {
            self.atom()
        };
        self.depth -= 1;
        expression
    }

    fn atom(&mut self) -> Result<KeywordExpr, String> {
        let token = self.peek().ok_or("the expression ends too early")?.to_owned();
        self.position += 1;
        match token.as_str() {
            "(" => {
                let inner = self.or()?;
                if self.peek() != Some(")") {
                    return Err("missing `)`".into());
                }
                self.position += 1;
                Ok(inner)
            }
            ")" | "and" | "or" => Err(format!("unexpected `{token}`")),
            _ => Ok(KeywordExpr::Word(token)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(expression: &str, name: &str) -> bool {
        KeywordExpr::parse(expression).unwrap().matches(name)
    }

    #[test]
    fn evaluates_boolean_expressions() {
        assert!(matches("lint or test", "test-3.11"));
        assert!(!matches("lint or test", "docs"));
        assert!(matches("not slow", "lint"));
        assert!(!matches("not slow", "test-slow"));
        assert!(matches("(lint or docs) and not x", "docs"));
        assert!(matches("TEST", "test"));
        assert!(matches("not a and not b", "c"));
    }

    #[test]
    fn rejects_malformed_expressions() {
        for bad in ["", "lint or", "and", "(lint", "lint)", "not"] {
            assert!(KeywordExpr::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        assert!(KeywordExpr::parse(&"(".repeat(100_000)).unwrap_err().contains("nests"));
        assert!(KeywordExpr::parse(&"not ".repeat(100_000)).unwrap_err().contains("nests"));
        assert!(matches(&format!("{}a{}", "(".repeat(30), ")".repeat(30)), "a"));
    }
}

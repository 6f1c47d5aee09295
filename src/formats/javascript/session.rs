//! Session middleware calls (`express-session` and `cookie-session`) and the object that contains
//! their cookie flags, shared by the session rules.

use tree_sitter::Node;

use super::object::{property, Property};
use super::script::{Options, Package, Script};
use super::syntax::{bool_value, call_arguments, string_value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionPackage {
    /// `express-session`: the cookie flags sit in the `cookie` option.
    ExpressSession,
    /// `cookie-session`: the cookie flags are top-level options.
    CookieSession,
}

impl SessionPackage {
    pub fn name(self) -> &'static str {
        match self {
            SessionPackage::ExpressSession => "express-session",
            SessionPackage::CookieSession => "cookie-session",
        }
    }
}

/// One call of a session middleware factory.
#[derive(Debug, Clone, Copy)]
pub struct SessionCall<'t> {
    pub package: SessionPackage,
    pub call: Node<'t>,
    /// The options argument, `None` when the call has none.
    pub options: Option<Options<'t>>,
}

impl<'t> SessionCall<'t> {
    /// Returns the callee's name, where findings about the whole call sit.
    pub fn callee(&self) -> Node<'t> {
        self.call.child_by_field_name("function").unwrap_or(self.call)
    }

    /// Checks whether this call needs the app's `trust proxy` setting, which it does unless the
    /// file already sets it or express-session trusts the proxy itself through `proxy: true`.
    pub fn needs_trust_proxy(&self, script: &Script<'t>) -> bool {
        if script.trusts_proxy {
            return false;
        }
        match (self.package, self.options) {
            (SessionPackage::ExpressSession, Some(Options::Object(options))) => {
                !matches!(Flag::read(options, "proxy", script.text), Flag::True(_))
            }
            _ => true,
        }
    }

    /// Finds the object with the cookie flags, or the reason cinch cannot see them.
    pub fn cookie(&self, script: &Script<'t>) -> CookieFlags<'t> {
        let options = match self.options {
            None => return CookieFlags::NoOptions,
            Some(Options::Opaque(node, why)) => return CookieFlags::Opaque(node, why),
            Some(Options::Object(object)) => object,
        };
        if self.package == SessionPackage::CookieSession {
            return CookieFlags::Object { object: options, anchor: self.callee() };
        }
        match property(options, "cookie", script.text) {
            None => CookieFlags::MissingCookie { options },
            Some(cookie) if cookie.is_pair() => match script.options(cookie.value) {
                Options::Object(object) => CookieFlags::Object { object, anchor: cookie.node },
                Options::Opaque(node, why) => CookieFlags::Opaque(node, why),
            },
            Some(cookie) => CookieFlags::Opaque(cookie.node, "a shorthand property"),
        }
    }
}

/// The object literal that contains a session cookie's flags.
#[derive(Debug, Clone, Copy)]
pub enum CookieFlags<'t> {
    /// Flags go into `object`; findings about missing flags sit on `anchor`.
    Object { object: Node<'t>, anchor: Node<'t> },
    /// express-session options without a `cookie` option.
    MissingCookie { options: Node<'t> },
    /// A call without options.
    NoOptions,
    Opaque(Node<'t>, &'static str),
}

/// Collects every session middleware call in the file.
pub fn session_calls<'t>(script: &Script<'t>) -> Vec<SessionCall<'t>> {
    script
        .calls
        .iter()
        .filter_map(|call| {
            let package = match script.callee_package(*call)? {
                Package::ExpressSession => SessionPackage::ExpressSession,
                Package::CookieSession => SessionPackage::CookieSession,
                _ => return None,
            };
            let options = call_arguments(*call).first().map(|arg| script.options(*arg));
            Some(SessionCall { package, call: *call, options })
        })
        .collect()
}

/// The value of one cookie flag.
#[derive(Debug, Clone, Copy)]
pub enum Flag<'t> {
    Missing,
    /// A literal `false`: the pair and its value.
    False(Property<'t>),
    /// A literal `true`.
    True(Property<'t>),
    /// A string literal, lower-cased by [`Flag::string`].
    Text(Property<'t>),
    /// Any other expression, decided at run time.
    Computed,
}

impl<'t> Flag<'t> {
    pub fn read(object: Node<'t>, key: &str, text: &str) -> Flag<'t> {
        let Some(found) = property(object, key, text) else { return Flag::Missing };
        if !found.is_pair() {
            return Flag::Computed;
        }
        match bool_value(found.value) {
            Some(false) => Flag::False(found),
            Some(true) => Flag::True(found),
            None if string_value(found.value, text).is_some() => Flag::Text(found),
            None => Flag::Computed,
        }
    }

    /// Returns the value as written (such as `'None'`) when the flag is the string `none` in any
    /// letter case, for messages about `SameSite=None`.
    pub fn none_literal<'s>(&self, text: &'s str) -> Option<&'s str> {
        match self {
            Flag::Text(found) if self.string(text).as_deref() == Some("none") => Some(super::syntax::text_of(found.value, text)),
            _ => None,
        }
    }

    /// Returns the lower-cased value of a string flag.
    pub fn string(&self, text: &str) -> Option<String> {
        match self {
            Flag::Text(found) => string_value(found.value, text).map(|s| s.to_ascii_lowercase()),
            _ => None,
        }
    }
}

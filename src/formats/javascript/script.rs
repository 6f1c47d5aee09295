//! The facts about one module that the rules use: which local names are bound to `express`,
//! `express-session`, `cookie-session`, `cors` and `helmet`, which variables hold Express apps,
//! which `const` declarations hold object literals, and which app settings are already made.

use std::collections::{HashMap, HashSet};

use tree_sitter::Node;

use super::syntax::{
    bool_value, call_arguments, for_each_named, method_call, named_children, string_value, text_of,
    unwrap_expression, Grammar,
};
use crate::edit::Edit;
use crate::source::SourceFile;

/// The packages whose bindings the rules follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Package {
    Express,
    ExpressSession,
    CookieSession,
    Cors,
    Helmet,
}

impl Package {
    fn from_specifier(specifier: &str) -> Option<Package> {
        match specifier {
            "express" => Some(Package::Express),
            "express-session" => Some(Package::ExpressSession),
            "cookie-session" => Some(Package::CookieSession),
            "cors" => Some(Package::Cors),
            "helmet" => Some(Package::Helmet),
            _ => None,
        }
    }
}

/// An Express application held in a variable: `const app = express();`.
#[derive(Debug, Clone, Copy)]
pub struct App<'t> {
    pub name: &'t str,
    /// The `express()` call.
    pub call: Node<'t>,
    /// The statement that declares the variable (the `export` statement around it if any).
    pub statement: Node<'t>,
}

/// The source of an options object.
#[derive(Debug, Clone, Copy)]
pub enum Options<'t> {
    /// An object literal that cinch may edit, written in the call or held in a `const`.
    Object(Node<'t>),
    /// Any other shape, with a description of it for the finding's note.
    Opaque(Node<'t>, &'static str),
}

pub struct Script<'t> {
    pub source: &'t SourceFile,
    pub text: &'t str,
    pub grammar: Grammar,
    /// Every call expression, in document order.
    pub calls: Vec<Node<'t>>,
    pub apps: Vec<App<'t>>,
    bindings: HashMap<&'t str, Package>,
    consts: HashMap<&'t str, Vec<Node<'t>>>,
    /// Whether any `trust proxy` setting is made in the file.
    pub trusts_proxy: bool,
    /// Apps that disable `x-powered-by` themselves.
    powered_by_off: HashSet<&'t str>,
    /// Apps that turn `x-powered-by` on explicitly, with the first call that does.
    powered_by_on: HashMap<&'t str, Node<'t>>,
    /// Whether `helmet()` (which removes `X-Powered-By`) is called.
    pub uses_helmet: bool,
    /// The quote character of the file's first string literal, `'` when it has none.
    pub quote: char,
}

impl<'t> Script<'t> {
    pub fn new(source: &'t SourceFile, grammar: Grammar, root: Node<'t>) -> Script<'t> {
        let text = source.text.as_str();
        let mut script = Script {
            source,
            text,
            grammar,
            calls: Vec::new(),
            apps: Vec::new(),
            bindings: HashMap::new(),
            consts: HashMap::new(),
            trusts_proxy: false,
            powered_by_off: HashSet::new(),
            powered_by_on: HashMap::new(),
            uses_helmet: false,
            quote: '\'',
        };
        let mut declarators = Vec::new();
        let mut first_string = None;
        for_each_named(root, |node| match node.kind() {
            "call_expression" => script.calls.push(node),
            "variable_declarator" => declarators.push(node),
            "import_statement" => script.bind_import(node),
            "string" if first_string.is_none() => first_string = text_of(node, text).chars().next(),
            _ => {}
        });
        if let Some(quote) = first_string {
            script.quote = quote;
        }
        for declarator in &declarators {
            script.bind_declarator(*declarator);
        }
        for declarator in &declarators {
            script.find_app(*declarator);
        }
        let calls = script.calls.clone();
        for call in calls {
            script.note_setting(call);
        }
        script
    }

    /// Records `import x from 'm'`, `import * as x from 'm'`, `import { default as x } from 'm'`
    /// and TypeScript's `import x = require('m')`.
    fn bind_import(&mut self, statement: Node<'t>) {
        let text = self.text;
        let source = statement.child_by_field_name("source");
        for child in named_children(statement) {
            match child.kind() {
                "import_clause" => {
                    let Some(package) = source.and_then(|s| string_value(s, text)).and_then(|s| Package::from_specifier(&s))
                    else {
                        return;
                    };
                    for part in named_children(child) {
                        match part.kind() {
                            "identifier" => {
                                self.bindings.insert(text_of(part, text), package);
                            }
                            "namespace_import" => {
                                if let Some(name) = named_children(part).first() {
                                    self.bindings.insert(text_of(*name, text), package);
                                }
                            }
                            "named_imports" => {
                                for specifier in named_children(part) {
                                    let name = specifier.child_by_field_name("name");
                                    let alias = specifier.child_by_field_name("alias");
                                    if let (Some(name), Some(alias)) = (name, alias) {
                                        if text_of(name, text) == "default" {
                                            self.bindings.insert(text_of(alias, text), package);
                                        }
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                }
                "import_require_clause" => {
                    let source = child.child_by_field_name("source").and_then(|s| string_value(s, text));
                    let name = named_children(child).into_iter().find(|n| n.kind() == "identifier");
                    if let (Some(package), Some(name)) = (source.and_then(|s| Package::from_specifier(&s)), name) {
                        self.bindings.insert(text_of(name, text), package);
                    }
                }
                _ => {}
            }
        }
    }

    /// Records `const x = require('m')`, `const x = require('m').default`,
    /// `const { default: x } = require('m')`, and `const` declarations of object literals.
    fn bind_declarator(&mut self, declarator: Node<'t>) {
        let text = self.text;
        let (Some(name), Some(value)) = (declarator.child_by_field_name("name"), declarator.child_by_field_name("value"))
        else {
            return;
        };
        if name.kind() == "identifier" && is_const(declarator) {
            self.consts.entry(text_of(name, text)).or_default().push(value);
        }
        let value = unwrap_expression(value);
        let (package, via_default) = match value.kind() {
            "call_expression" => (required_package(value, text), false),
            "member_expression" => {
                let object = value.child_by_field_name("object").map(unwrap_expression);
                let property = value.child_by_field_name("property").map(|p| text_of(p, text));
                match (object, property) {
                    (Some(object), Some("default")) if object.kind() == "call_expression" => {
                        (required_package(object, text), true)
                    }
                    _ => (None, false),
                }
            }
            _ => (None, false),
        };
        let Some(package) = package else { return };
        match name.kind() {
            "identifier" => {
                self.bindings.insert(text_of(name, text), package);
            }
            "object_pattern" if !via_default => {
                for part in named_children(name) {
                    if part.kind() != "pair_pattern" {
                        continue;
                    }
                    let key = part.child_by_field_name("key").map(|k| text_of(k, text));
                    let local = part.child_by_field_name("value");
                    if let (Some("default"), Some(local)) = (key, local) {
                        if local.kind() == "identifier" {
                            self.bindings.insert(text_of(local, text), package);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// Records `const app = express();` (also with `let` or `var`).
    fn find_app(&mut self, declarator: Node<'t>) {
        let text = self.text;
        let (Some(name), Some(value)) = (declarator.child_by_field_name("name"), declarator.child_by_field_name("value"))
        else {
            return;
        };
        let call = unwrap_expression(value);
        if name.kind() != "identifier" || call.kind() != "call_expression" || self.callee_package(call) != Some(Package::Express) {
            return;
        }
        let Some(mut statement) = declarator.parent() else { return };
        if statement.parent().is_some_and(|p| p.kind() == "export_statement") {
            statement = statement.parent().expect("checked above");
        }
        self.apps.push(App { name: text_of(name, text), call, statement });
    }

    /// Notes `app.set('trust proxy', ...)`, `app.enable('trust proxy')`, the calls that turn
    /// `x-powered-by` off or on, and `helmet()`.
    fn note_setting(&mut self, call: Node<'t>) {
        let text = self.text;
        if self.callee_package(call) == Some(Package::Helmet) {
            // `xPoweredBy: false`, or its older name `hidePoweredBy: false`, keeps the header.
            let keeps_header = call_arguments(call).first().is_some_and(|options| {
                let options = unwrap_expression(*options);
                options.kind() == "object"
                    && ["xPoweredBy", "hidePoweredBy"].iter().any(|key| {
                        super::object::property(options, key, text).is_some_and(|p| bool_value(p.value) == Some(false))
                    })
            });
            self.uses_helmet |= !keeps_header;
            return;
        }
        let Some((object, method)) = method_call(call, text) else { return };
        if self.package_of(object) == Some(Package::Helmet) {
            // The standalone middleware has two names: `xPoweredBy` and the older `hidePoweredBy`.
            if method == "hidePoweredBy" || method == "xPoweredBy" {
                self.uses_helmet = true;
            }
            return;
        }
        let args = call_arguments(call);
        let setting = args.first().and_then(|a| string_value(*a, text)).map(|s| s.to_ascii_lowercase());
        match (method.as_str(), setting.as_deref()) {
            ("set" | "enable", Some("trust proxy")) => self.trusts_proxy = true,
            ("disable", Some("x-powered-by")) => {
                self.powered_by_off.insert(text_of(object, text));
            }
            ("set", Some("x-powered-by")) if args.get(1).and_then(|v| bool_value(*v)) == Some(false) => {
                self.powered_by_off.insert(text_of(object, text));
            }
            ("enable", Some("x-powered-by")) => {
                self.powered_by_on.entry(text_of(object, text)).or_insert(call);
            }
            ("set", Some("x-powered-by")) if args.get(1).and_then(|v| bool_value(*v)) == Some(true) => {
                self.powered_by_on.entry(text_of(object, text)).or_insert(call);
            }
            _ => {}
        }
    }

    /// Returns the package bound to an identifier, or called through `require('m')`.
    pub fn package_of(&self, node: Node<'t>) -> Option<Package> {
        let node = unwrap_expression(node);
        match node.kind() {
            "identifier" => self.bindings.get(text_of(node, self.text)).copied(),
            "call_expression" => required_package(node, self.text),
            _ => None,
        }
    }

    /// Returns the package whose export a call calls: `session(...)` with `session` bound to
    /// `express-session`, or `require('cors')(...)`.
    pub fn callee_package(&self, call: Node<'t>) -> Option<Package> {
        self.package_of(call.child_by_field_name("function")?)
    }

    /// Returns the calls of a package's export, in document order.
    pub fn calls_of(&self, package: Package) -> impl Iterator<Item = Node<'t>> + '_ {
        self.calls.iter().copied().filter(move |call| self.callee_package(*call) == Some(package))
    }

    pub fn disables_powered_by(&self, app: &App) -> bool {
        self.powered_by_off.contains(app.name)
    }

    /// Returns the call that turns `x-powered-by` on explicitly for `app`, if any.
    pub fn enables_powered_by(&self, app: &App) -> Option<Node<'t>> {
        self.powered_by_on.get(app.name).copied()
    }

    /// Resolves an options argument to an object literal: written in place, or held by the only
    /// `const` of that name in the file. Spreads make an object opaque, because the spread value
    /// may set any key.
    pub fn options(&self, argument: Node<'t>) -> Options<'t> {
        let node = unwrap_expression(argument);
        match node.kind() {
            "object" => plain_object(node),
            "identifier" => match self.consts.get(text_of(node, self.text)).map(Vec::as_slice) {
                Some([value]) => {
                    let value = unwrap_expression(*value);
                    if value.kind() == "object" {
                        plain_object(value)
                    } else {
                        Options::Opaque(node, "a constant that does not hold an object literal")
                    }
                }
                Some(_) => Options::Opaque(node, "a name declared more than once"),
                None => Options::Opaque(node, "a variable that is not a `const` object literal in this file"),
            },
            "call_expression" => Options::Opaque(node, "the result of a function call"),
            "member_expression" => Options::Opaque(node, "a property of another object"),
            _ => Options::Opaque(node, "an expression cinch cannot follow"),
        }
    }

    /// Returns the app a middleware call belongs to: the app whose `.use(...)` contains it, else the only
    /// app of the file.
    pub fn app_for(&self, node: Node<'t>) -> Option<&App<'t>> {
        let mut current = node.parent();
        while let Some(ancestor) = current {
            if ancestor.kind() == "call_expression" {
                if let Some((object, method)) = method_call(ancestor, self.text) {
                    if method == "use" {
                        let receiver = text_of(object, self.text);
                        if let Some(app) = self.apps.iter().find(|app| app.name == receiver) {
                            return Some(app);
                        }
                    }
                }
            }
            current = ancestor.parent();
        }
        match self.apps.as_slice() {
            [only] => Some(only),
            _ => None,
        }
    }

    /// Builds an insertion of `{app}.{call};` on its own line after the app's declaration and after the
    /// `app.set`/`app.enable`/`app.disable` calls that directly follow it, so that settings stay
    /// together before any middleware.
    pub fn app_setting(&self, app: &App<'t>, call: &str) -> Edit {
        let source = self.source;
        let mut last = app.statement;
        while let Some(next) = last.next_sibling() {
            if !self.is_setting_of(next, app.name) || source.line_index(next.start_byte()) == source.line_index(last.end_byte()) {
                break;
            }
            last = next;
        }
        let line = source.line_index(app.statement.start_byte());
        let indent = source.indentation(line).to_string();
        let semicolon = if text_of(app.statement, self.text).trim_end().ends_with(';') { ";" } else { "" };
        let statement = format!("{indent}{}.{call}{semicolon}", app.name);
        let newline = source.newline();
        let end_line = source.line_index(last.end_byte());
        let rest = &self.text[last.end_byte()..source.line_content_end(end_line)];
        if !rest.trim().is_empty() && !rest.trim_start().starts_with("//") {
            // Something else follows on the same line: put the call right after the statement.
            return Edit::insert(last.end_byte(), format!("{newline}{statement}"));
        }
        let at = source.line_end_with_break(end_line);
        if at == self.text.len() && !self.text.ends_with('\n') {
            Edit::insert(at, format!("{newline}{statement}"))
        } else {
            Edit::insert(at, format!("{statement}{newline}"))
        }
    }

    fn is_setting_of(&self, statement: Node<'t>, app: &str) -> bool {
        if statement.kind() != "expression_statement" {
            return false;
        }
        let Some(call) = named_children(statement).first().copied() else { return false };
        if call.kind() != "call_expression" {
            return false;
        }
        matches!(method_call(call, self.text), Some((object, method))
            if text_of(object, self.text) == app && matches!(method.as_str(), "set" | "enable" | "disable"))
    }

    /// Quotes `value` in the file's quote style.
    pub fn quoted(&self, value: &str) -> String {
        super::syntax::quote(value, self.quote)
    }
}

/// Checks whether a declarator belongs to a `const` declaration.
fn is_const(declarator: Node<'_>) -> bool {
    declarator.parent().is_some_and(|declaration| {
        declaration.kind() == "lexical_declaration"
            && declaration.child_by_field_name("kind").is_some_and(|kind| kind.kind() == "const")
    })
}

/// Returns the package of `require('m')`.
fn required_package(call: Node<'_>, text: &str) -> Option<Package> {
    let function = call.child_by_field_name("function")?;
    if function.kind() != "identifier" || text_of(function, text) != "require" {
        return None;
    }
    match call_arguments(call).as_slice() {
        [specifier] => Package::from_specifier(&string_value(*specifier, text)?),
        _ => None,
    }
}

fn plain_object(object: Node<'_>) -> Options<'_> {
    match named_children(object).into_iter().find(|child| child.kind() == "spread_element") {
        Some(spread) => Options::Opaque(spread, "an object with a spread, which may set any option"),
        None => Options::Object(object),
    }
}

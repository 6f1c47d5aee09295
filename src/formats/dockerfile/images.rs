//! Facts about well-known base images: which already run as a non-root user, which
//! ship one, and which tools (if any) can create one.

/// An image reference split into a normalised name and a tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// Lowercased, without a digest, without `docker.io/` and without `library/`
    /// (`node`, `gcr.io/distroless/static-debian12`, `bitnami/redis`).
    pub name: String,
    /// The tag, or an empty string when there is none.
    pub tag: String,
}

impl ImageRef {
    pub fn parse(reference: &str) -> ImageRef {
        let without_digest = reference.split('@').next().unwrap_or(reference).to_ascii_lowercase();
        let last_slash = without_digest.rfind('/').map_or(0, |at| at + 1);
        let (name, tag) = match without_digest[last_slash..].find(':') {
            Some(at) => (without_digest[..last_slash + at].to_string(), without_digest[last_slash + at + 1..].to_string()),
            None => (without_digest.clone(), String::new()),
        };
        let mut name = name.as_str();
        for prefix in ["docker.io/", "index.docker.io/", "registry-1.docker.io/"] {
            name = name.strip_prefix(prefix).unwrap_or(name);
        }
        name = name.strip_prefix("library/").unwrap_or(name);
        ImageRef { name: name.to_string(), tag }
    }

    /// Returns the last path component of the name (`ubi-minimal` for `registry.access.redhat.com/ubi9/ubi-minimal`).
    fn last_component(&self) -> &str {
        self.name.rsplit('/').next().unwrap_or(&self.name)
    }

    /// Checks whether the name is an official Docker Hub image (no registry, no namespace).
    fn is_official(&self) -> bool {
        !self.name.contains('/')
    }
}

/// The support a base image offers for running as a non-root user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Base {
    /// `scratch`: no shell, no `/etc/passwd`.
    Scratch,
    /// The image already runs as a non-root user, described by the text.
    AlreadyNonRoot(&'static str),
    /// The image ships a non-root user, and `user` is the value `USER` should get.
    ShipsUser { user: &'static str, description: &'static str },
    /// Debian, Ubuntu and the RHEL family ship `groupadd` and `useradd`.
    Useradd { distro: &'static str },
    /// Alpine ships BusyBox `addgroup` and `adduser`.
    Alpine,
    /// Distroless images have no shell, but their `/etc/passwd` has `nonroot` (65532).
    Distroless,
    /// The image has a shell but no tool to create users. The text names the image family.
    NoUserTools(&'static str),
    /// A Windows image, whose unprivileged account is `ContainerUser`.
    Windows,
    /// Nothing is known about the image.
    Unknown,
}

/// The official Docker Hub images built on Debian or Ubuntu (their non-Alpine tags).
const DEBIAN_FAMILY: &[&str] = &[
    "debian", "ubuntu", "python", "golang", "rust", "openjdk", "eclipse-temurin", "ruby", "php",
    "perl", "buildpack-deps", "gcc", "maven", "gradle", "elixir", "erlang", "haskell", "julia",
    "r-base", "clojure", "swift", "pypy", "ibm-semeru-runtimes", "sapmachine",
];

/// The official images of the RHEL family.
const RHEL_FAMILY: &[&str] = &["fedora", "rockylinux", "almalinux", "centos", "oraclelinux"];

/// Classifies `image`.
pub fn classify(image: &ImageRef) -> Base {
    let name = image.name.as_str();
    let tag = image.tag.as_str();
    let last = image.last_component();

    if name == "scratch" {
        return Base::Scratch;
    }
    if name.starts_with("gcr.io/distroless/") {
        if tag.ends_with("nonroot") {
            return Base::AlreadyNonRoot("distroless `nonroot` tags run as UID 65532");
        }
        return Base::Distroless;
    }
    if let Some(rest) = name.strip_prefix("cgr.dev/chainguard/") {
        // wolfi-base is the one Chainguard image meant as a root-owned starting point.
        if rest != "wolfi-base" {
            return Base::AlreadyNonRoot("Chainguard images run as a non-root user");
        }
        return Base::Unknown;
    }
    if name.ends_with("nginxinc/nginx-unprivileged") {
        return Base::AlreadyNonRoot("nginx-unprivileged runs as the non-root user `nginx`");
    }
    if name.starts_with("bitnami/") && name != "bitnami/minideb" {
        return Base::AlreadyNonRoot("Bitnami images run as the non-root UID 1001");
    }
    if tag.contains("nanoserver") || name.ends_with("/nanoserver") {
        return Base::AlreadyNonRoot("Nano Server images run as `ContainerUser`");
    }
    if name.starts_with("mcr.microsoft.com/windows") || name.contains("servercore") || tag.contains("servercore") || name.contains("/framework/") {
        return Base::Windows;
    }
    if let Some(rest) = name.strip_prefix("mcr.microsoft.com/dotnet/") {
        if tag.contains("chiseled") {
            return Base::AlreadyNonRoot(".NET chiseled images run as the non-root user `app`");
        }
        if rest != "framework" && dotnet_major(tag).is_some_and(|major| major >= 8) {
            return Base::ShipsUser { user: "$APP_UID", description: ".NET 8 and later images ship the user `app`, whose UID is in `APP_UID`" };
        }
        if tag.contains("alpine") {
            return Base::Alpine;
        }
        return Base::Useradd { distro: "Debian" };
    }
    if is_ubi(name) {
        if last.contains("minimal") || last.contains("micro") {
            return Base::NoUserTools("UBI minimal and micro images have no `useradd`");
        }
        if matches!(last, "ubi" | "ubi8" | "ubi9" | "ubi10" | "ubi-init") {
            return Base::Useradd { distro: "RHEL" };
        }
        // The UBI language images (python-312, nodejs-20, openjdk-21, ...) set a non-root USER.
        return Base::AlreadyNonRoot("Red Hat UBI language images run as a non-root user");
    }
    if !image.is_official() {
        return if tag.contains("alpine") { Base::Alpine } else { Base::Unknown };
    }
    if name == "node" {
        return Base::ShipsUser { user: "1000:1000", description: "the node image ships the user `node` with UID and GID 1000" };
    }
    if name == "alpine" || tag.contains("alpine") {
        return Base::Alpine;
    }
    if name == "amazonlinux" {
        // The amazonlinux images leave out shadow-utils, so there is no useradd to call.
        return Base::NoUserTools("amazonlinux images have no `useradd`");
    }
    if tag.contains("windowsservercore") {
        return Base::Windows;
    }
    if DEBIAN_FAMILY.contains(&name) {
        return Base::Useradd { distro: if name == "ubuntu" || name == "eclipse-temurin" { "Ubuntu" } else { "Debian" } };
    }
    if RHEL_FAMILY.contains(&name) {
        return Base::Useradd { distro: "RHEL" };
    }
    Base::Unknown
}

/// Returns how the default entrypoint of an official image switches user, for images whose
/// entrypoint starts as root and steps down by itself. A `USER` in a derived image breaks them:
/// the entrypoint then lacks the rights to prepare its data directory or to switch user.
pub fn entrypoint_switches_user(image: &ImageRef) -> Option<&'static str> {
    if !image.is_official() {
        return None;
    }
    match image.name.as_str() {
        "postgres" => Some("the postgres entrypoint starts as root and switches to the user `postgres` with gosu or su-exec"),
        "mysql" | "mariadb" => Some("the MySQL and MariaDB entrypoints start as root and switch to the user `mysql` with gosu"),
        "redis" => Some("the redis entrypoint starts as root and switches to the user `redis` with gosu or su-exec"),
        "mongo" => Some("the mongo entrypoint starts as root and switches to the user `mongodb` with gosu"),
        "rabbitmq" => Some("the rabbitmq entrypoint starts as root and switches to the user `rabbitmq` with gosu or su-exec"),
        "cassandra" | "couchdb" | "influxdb" => Some("the image's entrypoint starts as root and switches to its service user with gosu"),
        "nginx" => Some("nginx starts its master process as root and runs its workers as the user `nginx`; nginxinc/nginx-unprivileged runs entirely as non-root"),
        "httpd" => Some("httpd starts as root and runs its workers as the user `www-data`"),
        _ => None,
    }
}

fn is_ubi(name: &str) -> bool {
    let redhat = name.starts_with("registry.access.redhat.com/") || name.starts_with("registry.redhat.io/") || name.starts_with("redhat/");
    redhat && name.contains("ubi")
}

/// Returns the major version at the start of a .NET tag (`8` for `8.0-bookworm-slim`).
fn dotnet_major(tag: &str) -> Option<u32> {
    let digits: String = tag.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(reference: &str) -> Base {
        classify(&ImageRef::parse(reference))
    }

    #[test]
    fn reference_parsing() {
        assert_eq!(ImageRef::parse("docker.io/library/Node:20@sha256:ab"), ImageRef { name: "node".into(), tag: "20".into() });
        assert_eq!(ImageRef::parse("localhost:5000/app"), ImageRef { name: "localhost:5000/app".into(), tag: String::new() });
    }

    #[test]
    fn classification() {
        assert_eq!(base("scratch"), Base::Scratch);
        assert_eq!(base("gcr.io/distroless/static-debian12"), Base::Distroless);
        assert!(matches!(base("gcr.io/distroless/base:debug-nonroot"), Base::AlreadyNonRoot(_)));
        assert!(matches!(base("cgr.dev/chainguard/python:latest"), Base::AlreadyNonRoot(_)));
        assert!(matches!(base("mcr.microsoft.com/dotnet/aspnet:8.0-jammy-chiseled"), Base::AlreadyNonRoot(_)));
        assert!(matches!(base("nginxinc/nginx-unprivileged:1.27"), Base::AlreadyNonRoot(_)));
        assert!(matches!(base("bitnami/redis:7.2"), Base::AlreadyNonRoot(_)));
        assert!(matches!(base("mcr.microsoft.com/dotnet/aspnet:8.0"), Base::ShipsUser { user: "$APP_UID", .. }));
        assert_eq!(base("mcr.microsoft.com/dotnet/aspnet:6.0"), Base::Useradd { distro: "Debian" });
        assert!(matches!(base("node:20-alpine"), Base::ShipsUser { user: "1000:1000", .. }));
        assert_eq!(base("python:3.12-alpine"), Base::Alpine);
        assert_eq!(base("python:3.12-slim"), Base::Useradd { distro: "Debian" });
        assert_eq!(base("rockylinux:9"), Base::Useradd { distro: "RHEL" });
        assert_eq!(base("registry.access.redhat.com/ubi9/ubi"), Base::Useradd { distro: "RHEL" });
        assert!(matches!(base("registry.access.redhat.com/ubi9/ubi-minimal:9.4"), Base::NoUserTools(_)));
        assert!(matches!(base("amazonlinux:2023"), Base::NoUserTools(_)));
        assert_eq!(base("mcr.microsoft.com/windows/servercore:ltsc2022"), Base::Windows);
        assert_eq!(base("microsoft/windowsservercore"), Base::Windows);
        assert_eq!(base("mcr.microsoft.com/dotnet/framework/sdk:4.8-windowsservercore-ltsc2019"), Base::Windows);
        assert!(matches!(base("mcr.microsoft.com/windows/nanoserver:ltsc2022"), Base::AlreadyNonRoot(_)));
        assert_eq!(base("registry.example.internal/base:1"), Base::Unknown);
    }

    #[test]
    fn entrypoints_that_switch_user() {
        assert!(entrypoint_switches_user(&ImageRef::parse("postgres:16-alpine")).is_some());
        assert!(entrypoint_switches_user(&ImageRef::parse("docker.io/library/redis:7")).is_some());
        assert!(entrypoint_switches_user(&ImageRef::parse("myorg/postgres:16")).is_none());
        assert!(entrypoint_switches_user(&ImageRef::parse("debian:bookworm")).is_none());
    }
}

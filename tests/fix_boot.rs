//! The proof on the real engine (issue #16): a Compose setup with every kind of problem
//! `fix` fixes (tests/compose/fixable, on the project's test image) boots, `tail
//! --until-ready` reports what `lint` predicted, `fix --container ID --apply` answers what
//! the running container shows and patches the files, the patch passes docker-compose 1.29
//! and the Compose Specification, and a fresh boot is clean under `--env prod --fail-on
//! warning`, with initdb's options in effect. One kind at a time: tests/fix_kinds.rs.

mod common;

use common::booted::{self, ids, Booted};
use std::collections::BTreeSet;

/// Booted as it is: lint predicts, `tail` confirms; what tail saw at warning or above.
fn before(project: &Booted) -> BTreeSet<String> {
    let predicted = project.lint();
    let (code, first) = project.boot_and_tail();
    assert_eq!(code, Some(1), "{first}");
    let seen = ids(&first, true);
    for id in [
        "container.env-trust",
        "container.healthcheck-no-user",
        "container.healthcheck-socket-only",
        "container.shm-default",
        "container.stop-timeout-short",
    ] {
        assert!(
            predicted.contains(id) && seen.contains(id),
            "{id}: lint {predicted:?}, tail {seen:?}"
        );
    }
    // What lint calls container.initdb-auth-trust, initdb says in the log.
    assert!(
        predicted.contains("container.initdb-auth-trust") && seen.contains("auth.trust-local"),
        "{seen:?}"
    );
    assert_eq!(project.psql("SHOW data_checksums"), "off");
    seen
}

/// `fix --container ID --apply` on the running container: what it shows is answered (a
/// configuration finding by the lint's edit, initdb's trust warning from the log with its
/// advice), and the patched files pass docker-compose, the specification and lint.
fn fix(project: &Booted, seen: &BTreeSet<String>) {
    let id = project.container();
    let args = ["fix", "--env", "prod", "--no-policy", "--container", &id];
    let (code, diff, notes) = project.pgtriage(&[&args[..], &["--apply"]].concat());
    assert_eq!(code, Some(0), "{notes}");
    eprintln!("the diff fix applied:\n{diff}\n{notes}");
    for s in seen {
        let answer = match s.as_str() {
            "auth.trust-local" => "from the log (",
            c if c.starts_with("container.") => "the lint finds its cause in the files",
            _ => continue,
        };
        assert!(
            notes.contains(&format!("container {id}: {s}: {answer}")),
            "{s}: {notes}"
        );
    }
    project.assert_valid();
    let gate = [
        "lint",
        "--env",
        "prod",
        "--no-policy",
        "--fail-on",
        "warning",
    ];
    assert_eq!(project.pgtriage(&gate).0, Some(0));
}

/// A fresh boot of the patched setup: clean, with initdb's options in effect.
fn after(project: &Booted, seen: &BTreeSet<String>) {
    let (code, second) = project.boot_and_tail();
    assert_eq!(code, Some(0), "{second}");
    let again = ids(&second, false);
    assert!(
        ids(&second, true).is_empty()
            && !again
                .iter()
                .any(|i| seen.contains(i) && i.starts_with("container.")),
        "{second}"
    );
    assert_eq!(project.psql("SHOW data_checksums"), "on");
    let provider = "SELECT datlocprovider FROM pg_database WHERE datname = 'postgres'";
    assert_eq!(project.psql(provider), "i");
    // The socket asks for the password now: no trust rule is left.
    let trust = "SELECT count(*) FROM pg_hba_file_rules WHERE auth_method = 'trust'";
    assert_eq!(project.psql(trust), "0");
}

#[test]
#[ignore = "slow: needs a Docker daemon, docker-compose and the test image (scripts/build-test-image.sh debian)"]
fn every_fixable_problem_is_seen_on_a_real_boot_fixed_and_gone_on_the_next() {
    let Some(dc) = booted::prepare() else {
        return;
    };
    let name = format!("pgtfix{}", std::process::id());
    let project = Booted::copy(&dc, "fixable", name);
    let seen = before(&project);
    fix(&project, &seen);
    after(&project, &seen);
}

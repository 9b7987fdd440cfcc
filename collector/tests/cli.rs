//! The command line: declared with clap, so `--help` is generated; these tests hold the README's
//! tables to it, and run the real binary for help, usage errors and environment fallbacks.

mod common;

use clap::CommandFactory;
use rum_collector::cli::Cli;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_rum-collector");

/// The rows of the README table that follows `marker`: its cells, without backticks.
fn readme_rows(marker: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(common::repo_root().join("collector/README.md")).unwrap();
    let start = text.find(marker).unwrap_or_else(|| panic!("README has no `{marker}` table"));
    text[start..]
        .lines()
        .skip(1)
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2) // header and separator
        .map(|l| {
            l.replace("\\|", "\u{0}")
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().replace('`', "").replace('\u{0}', "|"))
                .collect()
        })
        .collect()
}

#[test]
fn readme_flags_table_matches_the_declared_flags() {
    let cmd = Cli::command();
    let declared: Vec<_> =
        cmd.get_arguments().filter(|a| a.get_long().is_some_and(|l| l != "help" && l != "version")).collect();
    let rows = readme_rows("<!-- flags: checked by collector/tests/cli.rs -->");
    assert_eq!(rows.len(), declared.len(), "one README row per flag: {rows:?}");
    for arg in declared {
        let long = arg.get_long().unwrap();
        let row = rows
            .iter()
            .find(|r| r[0].split(' ').next() == Some(&format!("--{long}")))
            .unwrap_or_else(|| panic!("README flags table has no row for --{long}"));
        let env = arg.get_env().map(|e| e.to_string_lossy().into_owned());
        assert_eq!(env.as_deref(), Some(row[1].as_str()), "--{long}: the environment variable");
        let default: Vec<_> = arg.get_default_values().iter().map(|d| d.to_string_lossy().into_owned()).collect();
        match default.as_slice() {
            [d] => assert_eq!(&row[2], d, "--{long}: the default"),
            [] => assert!(
                !row[2].is_empty() && !row[2].chars().all(|c| c.is_ascii_digit()),
                "--{long}: no declared default"
            ),
            _ => panic!("--{long}: several defaults"),
        }
        assert!(arg.is_global_set(), "--{long} works before and after the command");
    }
}

#[test]
fn readme_commands_table_matches_the_declared_subcommands() {
    let cmd = Cli::command();
    let declared: Vec<_> = cmd.get_subcommands().map(|c| c.get_name().to_string()).collect();
    let rows = readme_rows("<!-- commands: checked by collector/tests/cli.rs -->");
    let documented: Vec<_> = rows.iter().map(|r| r[0].split(' ').next().unwrap_or_default().to_string()).collect();
    assert_eq!(documented, declared);
}

#[test]
fn help_is_generated_and_lists_every_flag_with_its_variable() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for arg in Cli::command().get_arguments() {
        if let (Some(long), Some(env)) = (arg.get_long(), arg.get_env()) {
            let line = help.lines().find(|l| l.contains(&format!("--{long} "))).unwrap_or_else(|| panic!("--{long}"));
            assert!(line.contains(&format!("[env: {}", env.to_string_lossy())), "{line}");
        }
    }
    for sub in ["serve", "export-user", "delete-user"] {
        assert!(help.lines().any(|l| l.trim_start().starts_with(sub)), "{sub} in:\n{help}");
    }
}

#[test]
fn usage_errors_exit_2_naming_the_flag_and_the_value() {
    let cases: [(&[&str], &str); 5] = [
        (&["--retention-days", "abc"], "'abc' for '--retention-days <N>'"),
        (&["--max-body-bytes", "0"], "must be a positive number, got `0`"),
        (&["--trusted-proxy", "10.0.0.1,nope"], "`nope` is not an IP address"),
        (&["--synchronous", "sometimes"], "'sometimes' for '--synchronous"),
        (&["export-user"], "<USER_ID>"),
    ];
    for (args, expected) in cases {
        let out = Command::new(BIN).args(args).env_remove("RUM_DB").output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
    }
}

#[test]
fn environment_variables_are_read_a_flag_wins_and_an_empty_one_is_unset() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("env.db");
    // RUM_DB names the file; RUM_SYNCHRONOUS in another case; the empty RUM_RETENTION_DAYS is unset.
    let out = Command::new(BIN)
        .args(["delete-user", "u1"])
        .env("RUM_DB", &db)
        .env("RUM_SYNCHRONOUS", "FULL")
        .env("RUM_RETENTION_DAYS", "")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(db.is_file(), "the database named by RUM_DB was created");
    // The flag wins over the variable (the variable points into a directory that does not exist).
    let flag_db = dir.path().join("flag.db");
    let out = Command::new(BIN)
        .args(["export-user", "u1", "--db"])
        .arg(&flag_db)
        .env("RUM_DB", dir.path().join("missing/dir/x.db"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(flag_db.is_file());
    // serve is the default command; RUM_ADDR is read (a free port, printed first).
    let mut child = Command::new(BIN)
        .current_dir(common::repo_root())
        .env("RUM_ADDR", "127.0.0.1:0")
        .env("RUM_DB", dir.path().join("serve.db"))
        .env("RUM_GEO_DB", "none")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(line.starts_with("listening on http://127.0.0.1:") && !line.contains(":8080"), "{line}");
}

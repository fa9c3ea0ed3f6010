//! An entry's automatic fix, as data: which text edit `pgtriage fix` makes for a finding
//! the entry's checks raised, per environment. The edits themselves are in src/fix/; no
//! code knows an entry's id.

use crate::severity::Env;
use serde::{Deserialize, Serialize};

/// One edit a finding of this entry calls for.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FixDef {
    /// The environments it applies in; every one when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<Env>,
    pub edit: EditKind,
    /// What is edited: a key path below the Compose service (`healthcheck.test`), an
    /// environment variable, an initdb option, a postgresql.conf parameter, or the
    /// pg_hba.conf method replaced.
    pub key: String,
    /// The new value, YAML or configuration text as it is to be written; a YAML value
    /// with several lines is written as a block below the key. `{suggested}` stands for
    /// the value the check computed for the finding (a size that depends on the settings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The edit acts only when the image initialises an empty data directory: on an
    /// existing volume it changes nothing, and the entry's remediation says what does.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub empty_data_dir_only: bool,
    /// With `empty_data_dir_only`: what does the same on an existing data directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_place: Option<String>,
    /// Applies only when the service's environment sets one of these variables (trust
    /// may go only where a password replaces it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requires_env: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EditKind {
    /// Set a key of the Compose service (insert it when absent).
    ServiceSet,
    /// Remove a variable from the service's `environment`.
    EnvRemove,
    /// Add an option to POSTGRES_INITDB_ARGS.
    InitdbArg,
    /// Set a parameter in the mounted postgresql.conf.
    ConfSet,
    /// Replace the method `key` with `value` on the pg_hba.conf line of the finding.
    HbaMethod,
}

/// Whether an entry's fixes can be used: each needs a check to raise it and what it edits.
pub fn validate(fixes: &[FixDef], has_checks: bool) -> Result<(), String> {
    if !fixes.is_empty() && !has_checks {
        return Err("has a fix but no check to raise it".into());
    }
    match fixes.iter().find_map(FixDef::invalid) {
        Some(why) => Err(why.into()),
        None => Ok(()),
    }
}

impl FixDef {
    /// What the edit does, for the rule docs.
    pub fn describe(&self) -> String {
        let value = self
            .value
            .as_deref()
            .unwrap_or_default()
            .replace("{suggested}", "(the value the check computes)");
        let key = &self.key;
        let mut s = match self.edit {
            EditKind::ServiceSet => format!("sets `{key}: {value}` on the Compose service"),
            EditKind::EnvRemove => format!("removes `{key}` from the service's `environment`"),
            EditKind::InitdbArg => format!("adds `{key}` to `POSTGRES_INITDB_ARGS`"),
            EditKind::ConfSet => format!("sets `{key} = {value}` in the mounted postgresql.conf"),
            EditKind::HbaMethod => {
                format!("replaces `{key}` with `{value}` on the finding's pg_hba.conf line")
            }
        };
        if !self.env.is_empty() {
            let envs: Vec<&str> = self.env.iter().map(|e| e.as_str()).collect();
            s.push_str(&format!(" (in {} only)", envs.join(", ")));
        }
        if !self.requires_env.is_empty() {
            s.push_str(&format!(
                ", where {} is set",
                self.requires_env.join(" or ")
            ));
        }
        if self.empty_data_dir_only {
            s.push_str("; it acts only on an empty data directory");
            if let Some(i) = &self.in_place {
                s.push_str(&format!(" (on an existing one: {i})"));
            }
        }
        s.push('.');
        s
    }

    pub fn applies_in(&self, env: Env) -> bool {
        self.env.is_empty() || self.env.contains(&env)
    }

    /// Why the definition cannot be used, if it cannot.
    fn invalid(&self) -> Option<&'static str> {
        let needs_value = !matches!(self.edit, EditKind::EnvRemove | EditKind::InitdbArg);
        if needs_value && self.value.is_none() {
            return Some("fix needs a value for this edit");
        }
        if self.key.trim().is_empty() {
            return Some("fix has an empty key");
        }
        None
    }
}

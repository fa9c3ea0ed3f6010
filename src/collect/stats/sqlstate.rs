//! SQLSTATE classes: the first two characters of a SQLSTATE, named as PostgreSQL's
//! documentation names them (Appendix A, "PostgreSQL Error Codes"), so that errors can be
//! counted by what kind of failure they are whatever their wording or language.

use crate::parse::record::is_sqlstate;

/// Every class PostgreSQL defines, with its documented name.
const CLASSES: &[(&str, &str)] = &[
    ("00", "successful completion"),
    ("01", "warning"),
    ("02", "no data"),
    ("03", "SQL statement not yet complete"),
    ("08", "connection exception"),
    ("09", "triggered action exception"),
    ("0A", "feature not supported"),
    ("0B", "invalid transaction initiation"),
    ("0F", "locator exception"),
    ("0L", "invalid grantor"),
    ("0P", "invalid role specification"),
    ("0Z", "diagnostics exception"),
    ("20", "case not found"),
    ("21", "cardinality violation"),
    ("22", "data exception"),
    ("23", "integrity constraint violation"),
    ("24", "invalid cursor state"),
    ("25", "invalid transaction state"),
    ("26", "invalid SQL statement name"),
    ("27", "triggered data change violation"),
    ("28", "invalid authorization specification"),
    ("2B", "dependent privilege descriptors still exist"),
    ("2D", "invalid transaction termination"),
    ("2F", "SQL routine exception"),
    ("34", "invalid cursor name"),
    ("38", "external routine exception"),
    ("39", "external routine invocation exception"),
    ("3B", "savepoint exception"),
    ("3D", "invalid catalog name"),
    ("3F", "invalid schema name"),
    ("40", "transaction rollback"),
    ("42", "syntax error or access rule violation"),
    ("44", "WITH CHECK OPTION violation"),
    ("53", "insufficient resources"),
    ("54", "program limit exceeded"),
    ("55", "object not in prerequisite state"),
    ("57", "operator intervention"),
    ("58", "system error"),
    ("72", "snapshot failure"),
    ("F0", "configuration file error"),
    ("HV", "foreign data wrapper error"),
    ("P0", "PL/pgSQL error"),
    ("XX", "internal error"),
];

/// The documented name of a SQLSTATE's class; `None` for a class PostgreSQL does not
/// define (an extension's own).
pub fn class_name(class: &str) -> Option<&'static str> {
    CLASSES.iter().find(|(c, _)| *c == class).map(|(_, n)| *n)
}

/// A SQLSTATE's class, when the code has SQLSTATE's shape.
pub fn class_of(sqlstate: &[u8]) -> Option<[u8; 2]> {
    is_sqlstate(sqlstate).then(|| [sqlstate[0], sqlstate[1]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_by_code() {
        assert_eq!(class_of(b"28P01"), Some(*b"28"));
        assert_eq!(
            class_name("28"),
            Some("invalid authorization specification")
        );
        assert_eq!(class_name("57"), Some("operator intervention"));
        assert_eq!(class_of(b"28P0"), None);
        assert_eq!(class_of(b"28p01"), None);
        assert_eq!(class_name("ZZ"), None);
    }
}

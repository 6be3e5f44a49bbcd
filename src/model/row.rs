//! `db_row!`: declares a struct and reads it from a row of either backend,
//! column by field name. (A tiny stand-in for sqlx's derive, which would pull
//! a second copy of sqlx into the build as a proc-macro dependency.)

macro_rules! db_row {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty, )*
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> for $name {
            fn from_row(row: &'r sqlx::sqlite::SqliteRow) -> Result<Self, sqlx::Error> {
                use sqlx::Row;
                Ok(Self { $( $field: row.try_get(stringify!($field).trim_start_matches("r#"))?, )* })
            }
        }

        impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for $name {
            fn from_row(row: &'r sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
                use sqlx::Row;
                Ok(Self { $( $field: row.try_get(stringify!($field).trim_start_matches("r#"))?, )* })
            }
        }
    };
}
pub(crate) use db_row;

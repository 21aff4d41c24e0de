//! Stored vocabulary, typed end to end: the words kept in status and kind columns, and the
//! JSON documents kept in text columns.
//!
//! - [`text_enum!`] declares a snake_case word enum (serde, OpenAPI schema, `as_str`, `parse`,
//!   `ALL`, `TEXTS`, `FromStr`, `Display`) that is also a sea-orm value type, so an entity
//!   field has the enum as its type. Reading a word the enum does not know fails the query
//!   with [`UnknownWord`] as the cause: the request answers 500 and the cause is logged, never
//!   a default.
//! - [`JsonText`] is a document kept as JSON text: it is decoded when the row is read, and a
//!   stored text that does not decode fails the query the same way.
//! - The database holds the same words: every such column has a CHECK (PostgreSQL) or
//!   triggers (SQLite) of its allowed values; `entities::VOCABULARY` lists the columns, and a
//!   test keeps the enums and the database in agreement.

use std::fmt;

use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, DbErr, IntoActiveValue, QueryResult, TryGetError, TryGetable, Value};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A stored word that its enum does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {vocabulary} {word:?}")]
pub struct UnknownWord {
    /// The enum that was asked (e.g. `OrderStatus`).
    pub vocabulary: &'static str,
    /// The word found.
    pub word: String,
}

/// Declares a snake_case word enum stored as text: `as_str`, `parse` (for input, `None` for an
/// unknown word), `ALL`, `TEXTS`, `FromStr` (an error for an unknown word), `Display`, serde,
/// an OpenAPI schema, and sea-orm's value type (an entity field may have this type).
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize, ::utoipa::ToSchema, ::sea_orm::DeriveValueType)]
        #[serde(rename_all = "snake_case")]
        #[sea_orm(value_type = "String")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Every stored text, in declaration order (what the database allows).
            pub const TEXTS: &'static [&'static str] = &[$($text),+];

            /// The stored text.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Reads a word given as input (`None` when it is not one of ours).
            #[must_use]
            pub fn parse(text: &str) -> Option<$name> {
                match text { $($text => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::vocab::UnknownWord;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                $name::parse(text).ok_or_else(|| $crate::vocab::UnknownWord {
                    vocabulary: stringify!($name),
                    word: text.to_owned(),
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use text_enum;

/// A document stored as JSON text (a `TEXT` column), decoded when the row is read.
///
/// A stored text that does not decode as `T` fails the query (a 500, cause logged). A value
/// that does not encode (impossible for the plain structs kept here: no maps with non-string
/// keys) is written as NULL, which the NOT NULL columns refuse, rather than as a default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JsonText<T>(pub T);

impl<T> std::ops::Deref for JsonText<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> JsonText<T> {
    /// The document.
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// The cause recorded when a stored document does not decode.
#[derive(Debug, thiserror::Error)]
#[error("stored {type_name} does not decode: {source}")]
struct Undecodable {
    type_name: &'static str,
    source: serde_json::Error,
}

fn decode<T: DeserializeOwned>(text: &str) -> Result<T, Undecodable> {
    serde_json::from_str(text).map_err(|source| Undecodable {
        type_name: std::any::type_name::<T>(),
        source,
    })
}

impl<T: Serialize> From<JsonText<T>> for Value {
    fn from(doc: JsonText<T>) -> Self {
        match serde_json::to_string(&doc.0) {
            Ok(text) => Value::String(Some(text)),
            Err(err) => {
                tracing::error!(error = %err, type_name = std::any::type_name::<T>(), "document does not encode");
                Value::String(None)
            }
        }
    }
}

impl<T: DeserializeOwned> TryGetable for JsonText<T> {
    fn try_get_by<I: ColIdx>(res: &QueryResult, idx: I) -> Result<Self, TryGetError> {
        let text = String::try_get_by(res, idx)?;
        decode(&text).map(JsonText).map_err(|err| {
            TryGetError::DbErr(DbErr::TryIntoErr {
                from: "String",
                into: std::any::type_name::<T>(),
                source: std::sync::Arc::new(err),
            })
        })
    }
}

impl<T: DeserializeOwned> ValueType for JsonText<T> {
    fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
        let text = <String as ValueType>::try_from(v)?;
        decode(&text).map(JsonText).map_err(|_| ValueTypeErr)
    }

    fn type_name() -> String {
        format!("JsonText<{}>", std::any::type_name::<T>())
    }

    fn array_type() -> ArrayType {
        ArrayType::String
    }

    fn column_type() -> ColumnType {
        ColumnType::Text
    }
}

impl<T> Nullable for JsonText<T> {
    fn null() -> Value {
        Value::String(None)
    }
}

impl<T: Serialize> IntoActiveValue<JsonText<T>> for JsonText<T> {
    fn into_active_value(self) -> sea_orm::ActiveValue<JsonText<T>> {
        sea_orm::ActiveValue::Set(self)
    }
}

impl<T: fmt::Display> fmt::Display for JsonText<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    text_enum! {
        /// A test vocabulary.
        Colour {
            /// Red.
            Red = "red",
            /// Dark blue.
            DarkBlue = "dark_blue",
        }
    }

    #[test]
    fn words_round_trip_and_unknown_words_are_errors() {
        for c in Colour::ALL {
            assert_eq!(c.as_str().parse::<Colour>(), Ok(*c));
            assert_eq!(
                serde_json::to_value(c).ok(),
                Some(serde_json::json!(c.as_str()))
            );
        }
        assert_eq!(Colour::TEXTS, &["red", "dark_blue"]);
        let err = "green".parse::<Colour>().expect_err("unknown");
        assert_eq!(err.to_string(), "unknown Colour \"green\"");
    }

    #[test]
    fn a_word_converts_to_and_from_a_database_value() {
        let v: Value = Colour::DarkBlue.into();
        assert_eq!(v, Value::String(Some("dark_blue".into())));
        assert_eq!(
            <Colour as ValueType>::try_from(v).ok(),
            Some(Colour::DarkBlue)
        );
        assert!(<Colour as ValueType>::try_from(Value::String(Some("green".into()))).is_err());
    }

    #[test]
    fn a_document_converts_and_a_bad_one_is_an_error() {
        let v: Value = JsonText(vec!["a".to_owned()]).into();
        assert_eq!(v, Value::String(Some("[\"a\"]".into())));
        assert_eq!(
            <JsonText<Vec<String>> as ValueType>::try_from(v)
                .ok()
                .map(JsonText::into_inner),
            Some(vec!["a".to_owned()])
        );
        assert!(
            <JsonText<Vec<String>> as ValueType>::try_from(Value::String(Some("{".into())))
                .is_err()
        );
    }
}

//! How a [`UnixTime`] is stored: as the `BIGINT` seconds it is, on either
//! backend. Here, not beside the type, so that `time` (and `oauth2/` and
//! `flow`, which use it) stay free of the database.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Encode, Type};

use crate::time::UnixTime;

impl<DB: Database> Type<DB> for UnixTime
where
    i64: Type<DB>,
{
    fn type_info() -> DB::TypeInfo {
        <i64 as Type<DB>>::type_info()
    }

    fn compatible(ty: &DB::TypeInfo) -> bool {
        <i64 as Type<DB>>::compatible(ty)
    }
}

impl<'q, DB: Database> Encode<'q, DB> for UnixTime
where
    i64: Encode<'q, DB>,
{
    fn encode_by_ref(
        &self,
        buf: &mut <DB as Database>::ArgumentBuffer<'q>,
    ) -> Result<IsNull, BoxDynError> {
        self.as_secs().encode_by_ref(buf)
    }

    fn size_hint(&self) -> usize {
        self.as_secs().size_hint()
    }
}

impl<'r, DB: Database> Decode<'r, DB> for UnixTime
where
    i64: Decode<'r, DB>,
{
    fn decode(value: <DB as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
        i64::decode(value).map(UnixTime::from_secs)
    }
}

//! The error answers of the OpenAPI document, in the sets handlers share: each set is a type to
//! name in `responses(...)`, e.g. `responses((status = 200, body = X), ReadErrors)`. Every error
//! body is an `ErrorResponse` (`{"message": "..."}`).

use std::collections::BTreeMap;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::{Ref, RefOr};
use utoipa::IntoResponses;

fn error_responses(statuses: &[u16]) -> BTreeMap<String, RefOr<Response>> {
    statuses
        .iter()
        .map(|status| {
            let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorResponse"))).build();
            (status.to_string(), RefOr::T(ResponseBuilder::new().description("").content("application/json", content).build()))
        })
        .collect()
}

macro_rules! error_set {
    ($(#[$doc:meta])* $name:ident: $($status:literal),+) => {
        $(#[$doc])*
        pub struct $name;

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                error_responses(&[$($status),+])
            }
        }
    };
}

error_set!(
    /// Reading or changing one resource: bad input, no or bad credentials, not allowed, not found.
    ReadErrors: 400, 401, 403, 404
);
error_set!(
    /// Listing or creating in a workspace or organization: bad input, credentials, not allowed.
    ListErrors: 400, 401, 403
);
error_set!(
    /// Changing one resource whose name must be free: as [`ReadErrors`], plus 409 for a taken name.
    UpdateErrors: 400, 401, 403, 404, 409
);
error_set!(
    /// Creating a resource whose name must be free: as [`ListErrors`], plus 409 for a taken name.
    CreateErrors: 400, 401, 403, 409
);
error_set!(
    /// Something about the caller: no or bad credentials, not allowed.
    CallerErrors: 401, 403
);
error_set!(
    /// One resource of the caller's: no or bad credentials, not allowed, not found.
    OwnErrors: 401, 403, 404
);
error_set!(
    /// A trace request of Nextflow: as [`ReadErrors`], plus 413 for a request over the size limit.
    TraceErrors: 400, 401, 403, 404, 413
);
error_set!(
    /// Checking or taking a name that is the caller's own: bad name, credentials, name taken.
    NameErrors: 400, 401, 409
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_answers_each_status_with_an_error_response() {
        let r = UpdateErrors::responses();
        assert_eq!(r.keys().map(String::as_str).collect::<Vec<_>>(), ["400", "401", "403", "404", "409"]);
        let json = serde_json::to_value(&r["409"]).unwrap();
        assert_eq!(json["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorResponse");
    }
}

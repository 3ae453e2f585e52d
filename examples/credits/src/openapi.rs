//! The credits routes in authkit's OpenAPI document: this fragment is merged into
//! `/openapi.json` ([`HttpApi::with_openapi`](authkit_core::http::HttpApi::with_openapi)), so
//! `/docs` shows them beside authkit's and "Authorize" works for them too.

use serde_json::{Value, json};

/// The credits operations and schemas, in OpenAPI 3.1.
pub fn fragment() -> Value {
    let problem = |description: &str| {
        json!({ "description": description,
                "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } } })
    };
    let ok = |schema: &str| {
        json!({ "description": "Success",
                "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
    };
    let body = |schema: &str| {
        json!({ "required": true,
                "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
    };
    let bearer = json!([{ "bearer": [] }]);
    let unauthorized = problem("unauthorized, invalid_access_token");
    json!({
        "tags": [{ "name": "credits", "description": "The credits example's own routes" }],
        "paths": {
            "/credits/balance": { "get": {
                "summary": "The caller's balance", "operationId": "CreditsBalance", "tags": ["credits"],
                "security": bearer,
                "responses": { "200": ok("CreditBalance"), "401": unauthorized }
            } },
            "/credits/use": { "post": {
                "summary": "Spend some of the caller's credits", "operationId": "CreditsUse", "tags": ["credits"],
                "security": bearer, "requestBody": body("CreditUse"),
                "responses": {
                    "200": ok("CreditChange"),
                    "400": problem("validation_failed, malformed_body"),
                    "401": unauthorized,
                    "409": problem("insufficient_credits")
                }
            } },
            "/credits/add": { "post": {
                "summary": "Add credits to a user (admin)", "operationId": "CreditsAdd", "tags": ["credits"],
                "security": bearer, "requestBody": body("CreditAdd"),
                "responses": {
                    "200": ok("CreditChange"),
                    "400": problem("validation_failed, malformed_body"),
                    "401": unauthorized,
                    "403": problem("forbidden"),
                    "404": problem("not_found")
                }
            } },
            "/credits/transactions": { "get": {
                "summary": "A ledger, newest first", "operationId": "CreditsTransactions", "tags": ["credits"],
                "security": bearer,
                "parameters": [
                    { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": crate::api::MAX_LIMIT } },
                    { "name": "before", "in": "query", "schema": { "type": "string", "format": "uuid" }, "description": "next_before of the previous page" },
                    { "name": "user_id", "in": "query", "schema": { "type": "string", "format": "uuid" }, "description": "Whose ledger (admin for someone else's)" }
                ],
                "responses": {
                    "200": ok("CreditLedger"),
                    "400": problem("validation_failed"),
                    "401": unauthorized,
                    "403": problem("forbidden")
                }
            } }
        },
        "components": { "schemas": {
            "CreditBalance": { "type": "object", "required": ["user_id", "balance"], "properties": {
                "user_id": { "type": "string", "format": "uuid" }, "balance": { "type": "integer", "minimum": 0 } } },
            "CreditUse": { "type": "object", "required": ["amount"], "additionalProperties": false, "properties": {
                "amount": { "type": "integer", "minimum": 1, "maximum": crate::store::MAX_AMOUNT },
                "note": { "type": ["string", "null"], "maxLength": crate::store::MAX_NOTE_CHARS } } },
            "CreditAdd": { "type": "object", "required": ["user_id", "amount"], "additionalProperties": false, "properties": {
                "user_id": { "type": "string", "format": "uuid" },
                "amount": { "type": "integer", "minimum": 1, "maximum": crate::store::MAX_AMOUNT },
                "note": { "type": ["string", "null"], "maxLength": crate::store::MAX_NOTE_CHARS } } },
            "CreditChange": { "type": "object", "required": ["balance", "transaction"], "properties": {
                "balance": { "type": "integer", "minimum": 0 }, "transaction": { "$ref": "#/components/schemas/CreditEntry" } } },
            "CreditLedger": { "type": "object", "required": ["user_id", "transactions", "next_before"], "properties": {
                "user_id": { "type": "string", "format": "uuid" },
                "transactions": { "type": "array", "items": { "$ref": "#/components/schemas/CreditEntry" } },
                "next_before": { "type": ["string", "null"], "format": "uuid" } } },
            "CreditEntry": { "type": "object",
                "required": ["id", "user_id", "amount", "kind", "balance_after", "actor_id", "note", "created_at"],
                "properties": {
                    "id": { "type": "string", "format": "uuid" },
                    "user_id": { "type": "string", "format": "uuid" },
                    "amount": { "type": "integer" },
                    "kind": { "type": "string", "enum": ["use", "add"] },
                    "balance_after": { "type": "integer", "minimum": 0 },
                    "actor_id": { "type": "string", "format": "uuid" },
                    "note": { "type": ["string", "null"] },
                    "created_at": { "type": "string", "format": "date-time" } } }
        } }
    })
}

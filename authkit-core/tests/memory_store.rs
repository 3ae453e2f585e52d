//! The storage conformance suite against the in-memory reference store.

use std::sync::Arc;

use authkit_core::memory::MemoryStore;
use authkit_core::store::Store;
use authkit_store_conformance::StoreFixture;

struct Memory;

impl StoreFixture for Memory {
    type Guard = ();

    async fn create(&self) -> (Arc<dyn Store>, ()) {
        (Arc::new(MemoryStore::new()), ())
    }

    async fn destroy(&self, _guard: ()) {}
}

authkit_store_conformance::store_conformance_suite!(Memory);

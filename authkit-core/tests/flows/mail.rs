//! Mail goes out after the change, off the request path, retried a bounded number of times.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use authkit_core::Registration;
use authkit_core::mail::{DELIVERY_ATTEMPTS, Mail, MailError, MailKind, Mailer, MemoryMailer};

use crate::support::*;

/// Fails the first `failures` sends, then delivers to a memory mailer; counts every attempt.
struct Flaky {
    failures: u32,
    attempts: AtomicU32,
    delivered: MemoryMailer,
}

#[async_trait::async_trait]
impl Mailer for Flaky {
    async fn send(&self, mail: Mail) -> Result<(), MailError> {
        let attempt = self.attempts.fetch_add(1, Ordering::SeqCst) + 1;
        if attempt <= self.failures {
            return Err(MailError(format!("attempt {attempt}: the server said no")));
        }
        self.delivered.send(mail).await
    }
}

fn flaky(failures: u32) -> (Harness, Arc<Flaky>) {
    let mailer = Arc::new(Flaky {
        failures,
        attempts: AtomicU32::new(0),
        delivered: MemoryMailer::new(),
    });
    let for_auth = Arc::clone(&mailer);
    let h = Harness::with_builder(config(), move |builder| builder.mailer(for_auth));
    (h, mailer)
}

/// Waits until `mailer` has seen `attempts` attempts, or panics after `limit`.
async fn wait_for_attempts(mailer: &Flaky, attempts: u32, limit: Duration) {
    let started = Instant::now();
    while mailer.attempts.load(Ordering::SeqCst) < attempts {
        assert!(
            started.elapsed() < limit,
            "only {} attempts",
            mailer.attempts.load(Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_failed_send_is_retried_until_it_is_delivered() {
    let (h, mailer) = flaky(DELIVERY_ATTEMPTS - 1);
    let registered = h
        .auth
        .register(register_request("ada@example.com", PASSWORD), &client())
        .await
        .expect("the answer does not wait for the mail");
    assert!(matches!(registered, Registration::Created { .. }));
    wait_for_attempts(&mailer, DELIVERY_ATTEMPTS, Duration::from_secs(5)).await;
    let delivered = mailer
        .delivered
        .wait_for(
            "ada@example.com",
            authkit_core::mail::MailKind::VerifyEmail,
            1,
        )
        .await;
    assert!(delivered.is_some(), "delivered on the last attempt");
}

#[tokio::test]
async fn a_send_that_keeps_failing_is_given_up_after_the_bounded_attempts() {
    let (h, mailer) = flaky(u32::MAX);
    h.auth
        .register(register_request("ada@example.com", PASSWORD), &client())
        .await
        .expect("the answer does not depend on the mail");
    wait_for_attempts(&mailer, DELIVERY_ATTEMPTS, Duration::from_secs(5)).await;
    // Longer than every backoff together: no further attempt comes.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(mailer.attempts.load(Ordering::SeqCst), DELIVERY_ATTEMPTS);
    assert!(mailer.delivered.sent().is_empty());
}

#[tokio::test]
async fn a_welcome_follows_the_confirmation_of_the_address_when_asked_for() {
    for welcome in [true, false] {
        let h = Harness::with(config().welcome_mail(welcome));
        h.register("ada@example.com").await;
        let verify = h
            .mailer
            .wait_for("ada@example.com", MailKind::VerifyEmail, 1)
            .await
            .expect("a verification mail");
        let link = verify.link.unwrap();
        let token = authkit_core::SecretString::from(link.split_once("#token=").unwrap().1);
        h.auth.verify_email(&token).await.unwrap();
        if welcome {
            let mail = h
                .mailer
                .wait_for("ada@example.com", MailKind::Welcome, 1)
                .await
                .expect("a welcome");
            assert_eq!(mail.subject, "Welcome");
            assert_eq!(mail.link, None);
        } else {
            tokio::time::sleep(Duration::from_millis(300)).await;
            let kinds: Vec<MailKind> = h.mailer.sent().iter().map(|m| m.kind).collect();
            assert_eq!(
                kinds,
                [MailKind::VerifyEmail],
                "no welcome unless asked for"
            );
        }
    }
}

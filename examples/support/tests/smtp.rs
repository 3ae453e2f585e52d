//! The SMTP mailer against a minimal in-process SMTP server.

use authkit_core::mail::{Mail, Mailer};
use authkit_example_support::SmtpMailer;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Accepts one connection, answers the SMTP dialogue, and returns the message it received.
async fn one_message(listener: TcpListener) -> String {
    let (stream, _) = listener.accept().await.expect("a connection");
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 test ESMTP\r\n").await.unwrap();
    let (mut data, mut in_data) = (String::new(), false);
    while let Some(line) = lines.next_line().await.unwrap() {
        if in_data {
            if line == "." {
                write.write_all(b"250 OK queued\r\n").await.unwrap();
                return data;
            }
            data.push_str(&line);
            data.push('\n');
            continue;
        }
        let reply: &[u8] = match line.get(..4).map(str::to_ascii_uppercase).as_deref() {
            Some("EHLO") | Some("HELO") => b"250 test\r\n",
            Some("DATA") => {
                in_data = true;
                b"354 go ahead\r\n"
            }
            Some("QUIT") => b"221 bye\r\n",
            _ => b"250 OK\r\n",
        };
        write.write_all(reply).await.unwrap();
    }
    panic!("the client left before sending a message")
}

#[tokio::test]
async fn mail_goes_out_over_smtp_with_recipient_subject_and_link() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(one_message(listener));

    let mailer = SmtpMailer::new(
        &format!("smtp://127.0.0.1:{port}"),
        "authkit <no-reply@example.com>",
    )
    .unwrap();
    let mail = Mail::password_reset("ada@example.com", "https://app.example.com", "TOKEN123");
    mailer.send(mail).await.expect("delivered");

    let message = server.await.unwrap();
    assert!(message.contains("To: ada@example.com"), "{message}");
    assert!(
        message.contains("From: authkit <no-reply@example.com>"),
        "{message}"
    );
    assert!(
        message.contains("Subject: Reset your password"),
        "{message}"
    );
    assert!(
        message.contains("https://app.example.com/reset-password#token"),
        "{message}"
    );
    assert!(message.contains("TOKEN123"), "{message}");
}

#[test]
fn bad_urls_and_senders_are_refused_and_debug_hides_credentials() {
    assert!(SmtpMailer::new("nonsense", "a@b.co").is_err());
    assert!(SmtpMailer::new("smtp://localhost:25", "not an address").is_err());
    let mailer = SmtpMailer::new("smtps://user:smtp-secret@mail.example.com", "a@b.co").unwrap();
    assert!(!format!("{mailer:?}").contains("smtp-secret"));
}

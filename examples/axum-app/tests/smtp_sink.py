"""An aiosmtpd handler for the SMTP test: each message it receives becomes one JSON file,
{"to", "from", "subject", "text", "html"}, in the directory given on the command line, decoded
by Python's own e-mail parser (so the test sees the text a mail client shows)."""

import json
import os
import uuid
from email import message_from_bytes, policy


class JsonSink:
    def __init__(self, directory):
        self.directory = directory

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("JsonSink takes one argument: the directory")
        return cls(args[0])

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        text = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        record = {
            "to": envelope.rcpt_tos,
            "from": envelope.mail_from,
            "subject": str(message["subject"]),
            "text": text.get_content() if text is not None else None,
            "html": html.get_content() if html is not None else None,
        }
        path = os.path.join(self.directory, uuid.uuid4().hex + ".json")
        with open(path + ".tmp", "w", encoding="utf-8") as out:
            json.dump(record, out)
        os.rename(path + ".tmp", path)
        return "250 OK"

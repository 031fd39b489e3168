#!/usr/bin/env python3
"""A kisrt gateway consumer in Python with pika, written from the README's message format alone (an independent peer
for the tests; Debian: apt-get install python3-pika). Reads stream STREAM from its first record and prints the records of
KEY as JSON lines {"seq", "run", "received_at", "body"}, each record once (a resent message is skipped by run and seq),
until COUNT records, then exits 0; exits 1 after TIMEOUT seconds without them. The broker is AMQP_URI from the
environment (default amqp://guest:guest@127.0.0.1:5672/): not an argument, which any local user could read with ps.

    AMQP_URI=amqp://... gateway_consumer.py STREAM KEY COUNT [TIMEOUT]
"""
import json
import os
import sys

import pika


def main():
    uri = os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
    stream, key, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 60.0
    connection = pika.BlockingConnection(pika.URLParameters(uri))
    channel = connection.channel()
    channel.basic_qos(prefetch_count=200)  # a stream needs a prefetch and acknowledgements
    last_seq = {}  # run -> last sequence printed
    printed = 0

    def text(value):
        return value.decode("utf-8") if isinstance(value, bytes) else value

    def on_message(ch, method, properties, body):
        nonlocal printed
        headers = properties.headers or {}
        # A message with a "kind" header is not records (kind "run": a new gateway run's announcement of the key).
        if "kind" not in headers and printed < count:
            n = int(headers.get("count", 1))
            records = body.split(b"\n", n - 1) if n > 1 else [body]
            offsets = [0] * n
            if "received_offsets" in headers:
                offsets = [int(x) for x in text(headers["received_offsets"]).split(",")]
            if text(headers.get("format")) == "keys":
                # Several keys in one message: each record names its own key and sequence.
                keys = text(headers["keys"]).split(",")
                seqs = [int(x) for x in text(headers["seqs"]).split(",")]
            else:
                keys = [text(headers.get("tr_key"))] * n
                seqs = [int(headers["seq"]) + i for i in range(n)]
            run = text(headers["run"])
            for i, record in enumerate(records):
                if keys[i] != key:
                    continue
                seq = seqs[i]
                if last_seq.get(run, 0) >= seq:
                    continue  # a message published again after a broker failure
                last_seq[run] = seq
                print(json.dumps({"seq": seq, "run": run, "received_at": int(headers["received_at"]) + offsets[i],
                                  "body": record.decode("utf-8")}), flush=True)
                printed += 1
                if printed == count:
                    break
        ch.basic_ack(method.delivery_tag)
        if printed >= count:
            # Not stop_consuming() or close(): pika rejects the deliveries it holds when a consumer is cancelled, and a
            # stream queue answers basic.reject by closing the connection (540 NOT_IMPLEMENTED). Nothing to hand back.
            sys.stdout.flush()
            os._exit(0)

    def give_up():
        print(f"gateway_consumer: {printed} of {count} records of {key} within {timeout} s", file=sys.stderr)
        sys.stderr.flush()
        os._exit(1)

    connection.call_later(timeout, give_up)
    channel.basic_consume(stream, on_message, arguments={"x-stream-offset": "first"})
    channel.start_consuming()


if __name__ == "__main__":
    main()

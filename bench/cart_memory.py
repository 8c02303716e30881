#!/usr/bin/env python3
"""The 100,000-cart memory figure's client (bench/cart_memory runs it).

  cart_memory.py tokens  SECRET FIRST_ID COUNT OUT   mints one access token per user id
  cart_memory.py activate BASE_URL TOKENS CONNECTIONS LINES   GET /api/cart/ once per token

Tokens are what http/jwt.cpp signs: HS256 over base64url(header).base64url(payload), no padding,
payload {sub (the id as a string), typ "access", iat, exp, jti, ver}; ver is users.token_version
(1 for fresh rows). activate keeps CONNECTIONS keep-alive connections busy, checks every answer is
200 with LINES cart items, and prints how many were and the rate.
"""
import asyncio, base64, hashlib, hmac, json, os, sys, time


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint(secret: str, first: int, count: int, out: str) -> None:
    header = b64url(b'{"alg":"HS256","typ":"JWT"}')
    now = int(time.time())
    key = secret.encode()
    with open(out, "w") as f:
        for user_id in range(first, first + count):
            payload = json.dumps({"sub": str(user_id), "typ": "access", "iat": now, "exp": now + 6 * 3600,
                                  "jti": b64url(os.urandom(16)), "ver": 1}, separators=(",", ":"))
            signing_input = header + "." + b64url(payload.encode())
            sig = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
            f.write(signing_input + "." + b64url(sig) + "\n")


async def activate(base: str, tokens: list, connections: int, lines: int) -> None:
    host, port = base.split("://", 1)[1].split(":")
    stats = {"ok": 0, "bad": 0, "first_bad": None}
    next_index = iter(range(len(tokens)))

    async def worker():
        reader, writer = await asyncio.open_connection(host, int(port))
        for i in next_index:
            writer.write(f"GET /api/cart/ HTTP/1.1\r\nHost: {host}:{port}\r\n"
                         f"Authorization: Bearer {tokens[i]}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = None
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length is None:
                raise SystemExit("cart_memory: an answer without Content-Length: " + head.decode(errors="replace"))
            body = await reader.readexactly(length)
            if status == 200 and len(json.loads(body)["items"]) == lines:
                stats["ok"] += 1
            else:
                stats["bad"] += 1
                stats["first_bad"] = stats["first_bad"] or f"{status} {body[:200]!r}"
        writer.close()

    start = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.monotonic() - start
    print(f"activated: {stats['ok']} carts answered 200 with {lines} lines, {stats['bad']} did not, "
          f"in {elapsed:.1f} s ({len(tokens) / elapsed:.0f}/s)")
    if stats["bad"]:
        print(f"  first bad answer: {stats['first_bad']}")
        sys.exit(1)


if __name__ == "__main__":
    if sys.argv[1] == "tokens":
        mint(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    elif sys.argv[1] == "activate":
        with open(sys.argv[3]) as f:
            tokens = f.read().split()
        asyncio.run(activate(sys.argv[2], tokens, int(sys.argv[4]), int(sys.argv[5])))
    else:
        sys.exit(__doc__)

"""Chat with the running bot in a terminal, through the same REST channel as every other client.

Buttons are numbered: type the number to press one. /stop (or end of input) leaves. Works with piped input,
so the local chat can be scripted:  printf 'xin chào\\n/stop\\n' | python -m bot.channels.terminal
"""
from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
import uuid


def send(url: str, sender: str, text: str) -> list[dict]:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read() or b"[]")


def render(messages: list[dict]) -> list[dict]:
    """Print the bot's messages; return the buttons offered last, numbered from 1."""
    buttons: list[dict] = []
    for message in messages:
        if message.get("text"):
            print(f"Bot: {message['text']}")
        if message.get("image"):
            print(f"Bot: [ảnh] {message['image']}")
        custom = message.get("custom") or {}
        if custom.get("ticket_qr"):
            print(f"Bot: [mã QR vé điện tử] {custom['ticket_qr']}")
        buttons = message.get("buttons") or buttons
    for number, button in enumerate(buttons, 1):
        print(f"  [{number}] {button.get('title')}")
    return buttons


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://localhost:5005/webhooks/rest/webhook")
    parser.add_argument("--sender", default=f"terminal-{uuid.uuid4().hex[:8]}")
    args = parser.parse_args(argv)
    print("Trò chuyện với trợ lý Quảng Ninh. Gõ /stop để thoát. (Type /stop to leave.)")
    buttons: list[dict] = []
    interactive = sys.stdin.isatty()
    while True:
        try:
            line = input("Bạn: " if interactive else "")
        except EOFError:
            return 0
        text = line.strip()
        if not text:
            continue
        if text == "/stop":
            return 0
        if not interactive:
            print(f"Bạn: {text}")
        if text.isdigit() and 1 <= int(text) <= len(buttons):
            text = buttons[int(text) - 1]["payload"]
        try:
            buttons = render(send(args.url, args.sender, text))
        except (urllib.error.URLError, OSError) as error:
            print(f"(Không kết nối được tới bot: {error})")


if __name__ == "__main__":
    sys.exit(main())

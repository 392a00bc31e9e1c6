"""Tokenizer shared by the DDL and query parsers (Oracle NoSQL SQL lexical rules, the subset we need)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import illegal

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+|/\*.*?\*/|--[^\n]*)
  | (?P<number>(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?[nN]?)
  | (?P<var>\$[A-Za-z_][A-Za-z0-9_]*|\$)
  | (?P<ident>[A-Za-z][A-Za-z0-9_]*)
  | (?P<badid>_[A-Za-z0-9_]*)
  | (?P<bquote>`(?:[^`]|``)*`)
  | (?P<squote>'(?:[^'\\]|''|\\.)*')
  | (?P<dquote>"(?:[^"\\]|""|\\.)*")
  | (?P<op><=|>=|!=|<>|=|<|>|\(|\)|,|\.|;|\*|\[|\]|\{|\}|:|\+|-|/|\?|%|\|\|)
    """,
    re.VERBOSE | re.DOTALL,
)

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "0": "\0"}


@dataclass(frozen=True)
class Token:
    kind: str  # ident, qident, string, number, var, op, end
    text: str
    pos: int

    def is_word(self, *words: str) -> bool:
        return self.kind == "ident" and self.text.upper() in words


def _unquote(body: str, quote: str) -> str:
    out = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt == "u" and i + 5 < len(body):
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(_ESCAPES.get(nxt, nxt))
            i += 2
            continue
        if ch == quote and i + 1 < len(body) and body[i + 1] == quote:
            out.append(quote)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise illegal(f"Syntax error at position {pos}: unexpected character {text[pos]!r}")
        kind = match.lastgroup
        raw = match.group()
        if kind == "ws":
            pass
        elif kind == "badid":
            raise illegal(f"Identifiers must start with a letter: {raw}")
        elif kind == "squote":
            tokens.append(Token("string", _unquote(raw[1:-1], "'"), pos))
        elif kind == "dquote":
            tokens.append(Token("string", _unquote(raw[1:-1], '"'), pos))
        elif kind == "bquote":
            tokens.append(Token("qident", raw[1:-1].replace("``", "`"), pos))
        else:
            tokens.append(Token(kind, raw, pos))
        pos = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


class TokenStream:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def peek(self, offset: int = 0) -> Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def at_end(self) -> bool:
        return self.current.kind == "end"

    def at_word(self, *words: str) -> bool:
        return self.current.is_word(*words)

    def at_op(self, *ops: str) -> bool:
        return self.current.kind == "op" and self.current.text in ops

    def accept_word(self, *words: str) -> bool:
        """Consume the given keywords in sequence if they are all next; otherwise consume nothing."""
        for offset, word in enumerate(words):
            if not self.peek(offset).is_word(word):
                return False
        for _ in words:
            self.advance()
        return True

    def accept_op(self, op: str) -> bool:
        if self.at_op(op):
            self.advance()
            return True
        return False

    def expect_word(self, *words: str) -> None:
        for word in words:
            if not self.current.is_word(word):
                raise self.error(f"expected {word}")
            self.advance()

    def expect_op(self, op: str) -> None:
        if not self.at_op(op):
            raise self.error(f"expected '{op}'")
        self.advance()

    def identifier(self, what: str = "identifier") -> str:
        token = self.current
        if token.kind in ("ident", "qident"):
            self.advance()
            return token.text
        raise self.error(f"expected {what}")

    def error(self, message: str):
        token = self.current
        found = "end of statement" if token.kind == "end" else repr(token.text)
        return illegal(f"Syntax error at position {token.pos}: {message}, found {found}")

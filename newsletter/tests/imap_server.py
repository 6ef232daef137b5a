"""A small IMAP4rev1 server on 127.0.0.1 (TLS when given a certificate) for the bounce reader's tests.

It speaks enough of RFC 3501 over a real socket for ``imaplib``: CAPABILITY, LOGIN, SELECT,
CREATE, UID SEARCH UNSEEN, UID FETCH (BODY.PEEK[]), UID STORE +FLAGS, UID COPY, UID MOVE
(RFC 6851, when ``move=True``), EXPUNGE and LOGOUT. Folders are lists of
``{"uid", "data", "flags"}`` the test reads afterwards. One session at a time is plenty here.
"""

import contextlib
import re
import socket
import ssl
import threading

ARGUMENT = re.compile(rb'"((?:[^"\\]|\\.)*)"|(\S+)')


class IMAPTestServer:
    def __init__(self, user="bounces", password="secret", certificate=None, move=True):  # noqa: S107
        self.user, self.password, self.move = user, password, move
        self.context = None
        if certificate is not None:
            self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.context.load_cert_chain(*certificate)
        self.folders = {"INBOX": []}
        self.next_uid = 1
        self.logins = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def add(self, data, folder="INBOX", flags=()):
        self.folders.setdefault(folder, []).append({"uid": self.next_uid, "data": data, "flags": set(flags)})
        self.next_uid += 1

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        # shutdown() wakes the accept() waiting in the server's thread; close() alone does not.
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._thread.join(timeout=5)

    def _serve(self):
        while True:
            try:
                connection, _address = self._listener.accept()
            except OSError:
                return  # closed by __exit__
            try:
                if self.context is not None:
                    connection = self.context.wrap_socket(connection, server_side=True)
                with connection:
                    _Session(self, connection).run()
            except (OSError, ssl.SSLError):
                continue  # the client refused our certificate, or hung up


class _Session:
    def __init__(self, server, connection):
        self.server = server
        self.connection = connection
        self.reader = connection.makefile("rb")
        self.logged_in = False
        self.selected = None

    def send(self, line):
        self.connection.sendall(line if isinstance(line, bytes) else line.encode() + b"\r\n")

    def run(self):
        self.send("* OK IMAP4rev1 test server ready")
        while True:
            line = self.reader.readline()
            if not line:
                return
            tag, _space, rest = line.rstrip(b"\r\n").partition(b" ")
            words = [
                (re.sub(rb"\\(.)", rb"\1", quoted) if quoted else atom).decode()
                for quoted, atom in ARGUMENT.findall(rest)
            ]
            command = words[0].upper() if words else ""
            if command == "LOGOUT":
                self.send("* BYE logging out")
                self.send(f"{tag.decode()} OK LOGOUT completed")
                return
            answer = self.answer(command, words[1:])
            self.send(f"{tag.decode()} {answer}")

    def answer(self, command, args):
        server = self.server
        if command == "CAPABILITY":
            self.send("* CAPABILITY IMAP4rev1" + (" MOVE" if server.move else ""))
            return "OK CAPABILITY completed"
        if command == "LOGIN":
            if args[:2] != [server.user, server.password]:
                return "NO [AUTHENTICATIONFAILED] Invalid credentials"
            self.logged_in = True
            server.logins += 1
            return "OK LOGIN completed"
        if not self.logged_in:
            return "NO log in first"
        if command == "SELECT":
            if args[0] not in server.folders:
                return "NO [NONEXISTENT] no such mailbox"
            self.selected = args[0]
            self.send(f"* {len(server.folders[self.selected])} EXISTS")
            self.send("* OK [UIDVALIDITY 1] UIDs valid")
            return "OK [READ-WRITE] SELECT completed"
        if command == "CREATE":
            if args[0] in server.folders:
                return "NO [ALREADYEXISTS] mailbox exists"
            server.folders[args[0]] = []
            return "OK CREATE completed"
        if self.selected is None:
            return "BAD select a mailbox first"
        if command == "EXPUNGE":
            messages = server.folders[self.selected]
            for number in range(len(messages), 0, -1):
                if "\\Deleted" in messages[number - 1]["flags"]:
                    del messages[number - 1]
                    self.send(f"* {number} EXPUNGE")
            return "OK EXPUNGE completed"
        if command == "UID" and args:
            return self.uid_command(args[0].upper(), args[1:])
        return f"BAD {command} is not known here"

    def uid_command(self, command, args):
        server = self.server
        messages = server.folders[self.selected]
        if command == "SEARCH":
            unseen = [str(m["uid"]) for m in messages if "\\Seen" not in m["flags"]]
            self.send("* SEARCH" + "".join(f" {uid}" for uid in unseen))
            return "OK SEARCH completed"
        found = [(number, m) for number, m in enumerate(messages, 1) if str(m["uid"]) == args[0]]
        if not found:
            return "OK nothing with that UID"
        [(number, message)] = found
        if command == "FETCH":
            data = message["data"]
            self.send(f"* {number} FETCH (UID {message['uid']} BODY[] {{{len(data)}}}\r\n".encode())
            self.send(data + b")\r\n")
            return "OK FETCH completed"
        if command == "STORE" and args[1].upper() == "+FLAGS":
            message["flags"].update(" ".join(args[2:]).strip("()").split())
            self.send(f"* {number} FETCH (UID {message['uid']} FLAGS ({' '.join(sorted(message['flags']))}))")
            return "OK STORE completed"
        if command in ("COPY", "MOVE") and (command == "COPY" or server.move):
            if args[1] not in server.folders:
                return "NO [TRYCREATE] no such mailbox"
            server.add(message["data"], args[1], message["flags"] - {"\\Deleted"})
            if command == "MOVE":
                messages.remove(message)
                self.send(f"* {number} EXPUNGE")
            return f"OK {command} completed"
        return f"BAD UID {command} is not known here"

#!/usr/bin/env python3
"""tls_proxy.py - a TLS-terminating TCP proxy for tests/wss.sh, standing where nginx or Caddy
stands in front of a hub: accepts TLS on 127.0.0.1 (a port the system picks, printed as
"proxy PORT"), and pipes each connection's plain bytes to the serve at HOST:PORT.

Usage: tls_proxy.py CERT KEY HOST:PORT"""
import socket
import ssl
import sys
import threading


def pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(conn, target):
    try:
        upstream = socket.create_connection(target)
    except OSError:
        conn.close()
        return
    threading.Thread(target=pipe, args=(conn, upstream), daemon=True).start()
    pipe(upstream, conn)


def main():
    cert, key, target = sys.argv[1], sys.argv[2], sys.argv[3]
    host, port = target.rsplit(":", 1)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    print("proxy", listener.getsockname()[1], flush=True)
    while True:
        raw, _ = listener.accept()
        try:
            conn = ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()  # a client that refused our certificate
            continue
        threading.Thread(target=serve, args=(conn, (host, int(port))), daemon=True).start()


if __name__ == "__main__":
    main()

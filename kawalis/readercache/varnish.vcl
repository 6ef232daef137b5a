vcl 4.1;
# Varnish in front of Kawalis (kawalis/readercache/front.py; README "A cache in front").
#
# It keeps only what the site marks public (a Surrogate-Key header: reader pages that hold
# nothing of one reader) and the hashed static files; everything else goes to the site. The
# site purges by tag after each commit with "PURGE /" and an xkey-purge header (vmod xkey, from
# Debian's varnish-modules). Set the backend to the address gunicorn listens on, and list the
# site's servers in "purgers".

import xkey;

backend default {
    .host = "127.0.0.1";
    .port = "8000";
}

acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Not allowed to purge"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "No xkey-purge header"));
        }
        return (synth(200, "Purged " + xkey.purge(req.http.xkey-purge)));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Staff and readers with a session or a message waiting see pages of their own.
    if (req.http.Cookie ~ "(^|;\s*)(sessionid|messages)=") {
        return (pass);
    }
    # Shared pages read no cookie: without this, each reader's analytics cookies would make
    # a copy of their own.
    unset req.http.Cookie;
    return (hash);
}

sub vcl_backend_response {
    if (beresp.http.Set-Cookie) {
        set beresp.uncacheable = true;
        return (deliver);
    }
    if (beresp.http.Surrogate-Key) {
        # Kept for s-maxage, served stale for stale-while-revalidate (Varnish reads both).
        set beresp.http.xkey = beresp.http.Surrogate-Key;
        if (!beresp.http.Content-Encoding) {
            set beresp.do_gzip = true;  # a page just rendered comes plain; stored compressed
        }
        return (deliver);
    }
    if (bereq.url ~ "^/static/" && beresp.status == 200) {
        return (deliver);  # hashed names, far-future Cache-Control (WhiteNoise)
    }
    # Anything else is personal or uncacheable: ask the site each time.
    set beresp.uncacheable = true;
    set beresp.ttl = 120s;
    return (deliver);
}

sub vcl_deliver {
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}

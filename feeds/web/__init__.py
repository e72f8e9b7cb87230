"""HTTP: routes, the answer with its validators, the fast path, errors, proxies, WebSub."""

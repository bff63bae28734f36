"""The request pipeline every route runs through: connection, input checks, errors, security headers,
compression, canonical URLs, throttling, the visibility guard and the request log."""

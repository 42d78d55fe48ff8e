"""The hash-chained, signed sales journal (art. 286 I 3° bis CGI) and its closures."""

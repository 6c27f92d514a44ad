"""The finder offline: a service worker, the copy of the directory it keeps, and its kill switch."""

"""The customer's status page (`/r/{token}`): server-rendered like the console, without a session — the receipt
token in the address is the customer's key."""

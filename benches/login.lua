-- wrk script: every request is a login of the benchmark account.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"bench@example.com","password":"a benchmark passphrase of some length"}'

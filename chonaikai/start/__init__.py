"""「あなたのやること」, the page every role lands on after logging in: rounds to fill in, applications
to act on. It composes the domains (associations, subsidies) and so sits above them, beside the API
and the maps (README, Architecture); the accounts, which it reads roles from, know nothing of it."""

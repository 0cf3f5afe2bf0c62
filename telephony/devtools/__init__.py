"""Development tools (call simulator, Twilio stand-ins, load test, benchmarks); product code never imports them."""

//! A load run: many end users through the whole Link flow at once against
//! a running consent-link, each followed by the integrator's data read.
//! Prints completed flows per second and each step's latency. Every flow
//! must end in a user ID and a 200 from the data API; any other answer is
//! counted, and the run exits non-zero.
//!
//! `bench/load.sh` builds, starts and runs it; see the README's
//! Performance section.

use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use openidconnect::reqwest;

#[derive(Parser)]
#[command(about = "Drive complete Link flows against a running consent-link")]
struct Args {
    /// consent-link's base URL.
    #[arg(long, default_value = "http://127.0.0.1:3100")]
    base: String,
    /// A confidential client allowed test mode.
    #[arg(long)]
    client: String,
    /// Its secret.
    #[arg(long)]
    secret: String,
    /// End users at once.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Flows in all.
    #[arg(long, default_value_t = 2000)]
    flows: usize,
}

/// The requests of one flow, in order, as reported.
const STEPS: [&str; 7] = [
    "GET  /link            (method page)",
    "POST /s/{sid}/method",
    "GET  /s/{sid}         (test BankID page)",
    "POST /s/{sid}/authenticate",
    "GET  /s/{sid}         (consent page)",
    "POST /s/{sid}/consent (303 to callback)",
    "GET  /api/1.0/loan_applications/{id}",
];

type Latencies = Vec<Vec<Duration>>;

struct Flow<'a> {
    http: &'a reqwest::Client,
    base: &'a str,
    client: &'a str,
    token: &'a str,
    latencies: &'a mut Latencies,
}

impl Flow<'_> {
    /// One end user from the integrator's link to the data read.
    async fn run(&mut self, n: usize) -> Result<(), String> {
        let start = format!(
            "{}/link?client_id={}&scope=info,income,unsecured_loans&test=true&state=load-{n}",
            self.base, self.client
        );
        let page = self.page(0, &start).await?;
        let csrf = form_value(&page, "name=\"csrf\" value=\"")?;
        let method = form_value(&page, "action=\"")?;
        let sid = format!("{}{}", self.base, method.trim_end_matches("/method"));
        let form = [("csrf", csrf.as_str()), ("method", "test_bankid")];
        self.see_other(1, self.http.post(format!("{sid}/method")).form(&form))
            .await?;
        self.page(2, &sid).await?;
        let form = [("csrf", csrf.as_str()), ("person", "kari")];
        // Signed in: the session goes on under a new ID, and its pages
        // carry a new CSRF token (the consent-fixation fix).
        let sid = self
            .see_other(3, self.http.post(format!("{sid}/authenticate")).form(&form))
            .await?;
        let page = self.page(4, &sid).await?;
        let csrf = form_value(&page, "name=\"csrf\" value=\"")?;
        let form = [("csrf", csrf.as_str()), ("decision", "accept")];
        let callback = self
            .see_other(5, self.http.post(format!("{sid}/consent")).form(&form))
            .await?;
        let user = url::Url::parse(&callback)
            .map_err(|e| format!("callback {callback}: {e}"))?
            .query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .ok_or_else(|| format!("no code in {callback}"))?;
        let data = format!("{}/api/1.0/loan_applications/{user}", self.base);
        let began = Instant::now();
        let res = self
            .http
            .get(&data)
            .bearer_auth(self.token)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let status = res.status();
        res.bytes().await.map_err(|e| e.to_string())?;
        self.latencies[6].push(began.elapsed());
        if status != reqwest::StatusCode::OK {
            return Err(format!("data read: {status}"));
        }
        Ok(())
    }

    /// Sends `req`, wants a 303, returns where it points (made absolute).
    async fn see_other(
        &mut self,
        step: usize,
        req: reqwest::RequestBuilder,
    ) -> Result<String, String> {
        let began = Instant::now();
        let res = req.send().await.map_err(|e| e.to_string())?;
        self.latencies[step].push(began.elapsed());
        if res.status() != reqwest::StatusCode::SEE_OTHER {
            return Err(format!("{}: {}", STEPS[step], res.status()));
        }
        let location = res
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| format!("{}: no Location", STEPS[step]))?;
        Ok(if location.starts_with('/') {
            format!("{}{location}", self.base)
        } else {
            location.to_owned()
        })
    }

    /// GETs a page, wants a 200, returns its HTML.
    async fn page(&mut self, step: usize, url: &str) -> Result<String, String> {
        let began = Instant::now();
        let res = self.http.get(url).send().await.map_err(|e| e.to_string())?;
        let status = res.status();
        let body = res.text().await.map_err(|e| e.to_string())?;
        self.latencies[step].push(began.elapsed());
        if status != reqwest::StatusCode::OK {
            return Err(format!("{}: {status}", STEPS[step]));
        }
        Ok(body)
    }
}

/// The first attribute value after `marker` in a page (the anti-CSRF
/// token, the first form's action).
fn form_value(page: &str, marker: &str) -> Result<String, String> {
    let rest = page
        .find(marker)
        .map(|i| &page[i + marker.len()..])
        .ok_or_else(|| format!("the page has no {marker}"))?;
    Ok(rest[..rest.find('"').unwrap_or(0)].to_owned())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let base = args.base.trim_end_matches('/').to_owned();
    let http = match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(args.concurrency)
        .build()
    {
        Ok(http) => http,
        Err(e) => {
            eprintln!("HTTP client: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The integrator's client token, as its server would hold one.
    let token = match http
        .post(format!("{base}/api/1.0/auth"))
        .header("Client-ID", &args.client)
        .header("Secret-Key", &args.secret)
        .send()
        .await
    {
        Ok(res) => match res.bytes().await {
            Ok(body) => serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|b| b["token"].as_str().map(str::to_owned))
                .unwrap_or_default(),
            Err(e) => {
                eprintln!("client token: {e}");
                return ExitCode::FAILURE;
            }
        },
        Err(e) => {
            eprintln!("client token: {e}");
            return ExitCode::FAILURE;
        }
    };
    if token.is_empty() {
        eprintln!("client token: refused (check --client and --secret)");
        return ExitCode::FAILURE;
    }

    println!(
        "consent-link load run: {} flows, {} end users at once, against {base}",
        args.flows, args.concurrency
    );
    let next = Arc::new(AtomicUsize::new(0));
    let began = Instant::now();
    let workers: Vec<_> = (0..args.concurrency)
        .map(|_| {
            let (http, base, token, next) =
                (http.clone(), base.clone(), token.clone(), next.clone());
            let (client, flows) = (args.client.clone(), args.flows);
            tokio::spawn(async move {
                let mut latencies: Latencies = vec![Vec::new(); STEPS.len()];
                let mut failures = Vec::new();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= flows {
                        break;
                    }
                    let mut flow = Flow {
                        http: &http,
                        base: &base,
                        client: &client,
                        token: &token,
                        latencies: &mut latencies,
                    };
                    if let Err(e) = flow.run(n).await {
                        failures.push(e);
                    }
                }
                (latencies, failures)
            })
        })
        .collect();
    let mut latencies: Latencies = vec![Vec::new(); STEPS.len()];
    let mut failures = Vec::new();
    for worker in workers {
        match worker.await {
            Ok((l, f)) => {
                for (all, mine) in latencies.iter_mut().zip(l) {
                    all.extend(mine);
                }
                failures.extend(f);
            }
            Err(e) => failures.push(format!("worker: {e}")),
        }
    }
    let elapsed = began.elapsed().as_secs_f64();
    let requests: usize = latencies.iter().map(Vec::len).sum();
    let ok = args.flows - failures.len().min(args.flows);
    println!(
        "{ok} flows completed, {} failed, in {elapsed:.2} s: {:.1} flows/s, {:.0} requests/s",
        failures.len(),
        ok as f64 / elapsed,
        requests as f64 / elapsed
    );
    println!(
        "{:<42} {:>10} {:>10} {:>10} {:>10}",
        "request", "p50", "p90", "p99", "max"
    );
    for (step, l) in STEPS.iter().zip(latencies.iter_mut()) {
        l.sort();
        println!(
            "{step:<42} {:>10} {:>10} {:>10} {:>10}",
            ms(percentile(l, 0.5)),
            ms(percentile(l, 0.9)),
            ms(percentile(l, 0.99)),
            ms(l.last().copied().unwrap_or_default())
        );
    }
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        for f in failures.iter().take(5) {
            eprintln!("failed: {f}");
        }
        ExitCode::FAILURE
    }
}

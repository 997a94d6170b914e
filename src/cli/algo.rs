//! `clew algo` (being written).
/// Arguments of `clew algo`.
#[derive(clap::Args, Debug)]
pub struct AlgoArgs {}
/// Runs `clew algo`.
pub fn run(_args: AlgoArgs) -> anyhow::Result<()> {
    anyhow::bail!("clew algo is not built yet")
}

//! Divergence that is not a NaN: a loss that stays far above where the run started.
//!
//! With Adam at learning rate 50 the MLP's loss jumps from 2.3 to 20-35 and stays there for
//! thousands of steps, all finite. A NaN check never fires, so the trainer also watches this:
//!
//! - **start level**: the lowest loss of the first [`START_STEPS`] steps after the weights were
//!   set (a fresh model starts near ln 10 = 2.3; a loaded one near its own loss). The lowest,
//!   not the mean: at a rate that wrecks the model in one update, only the first step's loss
//!   still says where the run started;
//! - **limit**: `max(2 x start, start + ln(classes))`, i.e. twice the start, and never below
//!   "worse than guessing from where it started" (a pretrained model at 0.05 may wander up to
//!   2.35 before anything is said);
//! - **smoothed loss**: an exponential moving average over about [`SMOOTH_STEPS`] steps, so one
//!   bad batch (small batches are noisy: batch 16 at a high but sane rate spikes to 3-4 now
//!   and then) moves it little;
//! - **diverged**: the smoothed loss above the limit for [`PATIENCE`] steps in a row.
//!
//! A diverged run is rolled back to weights that were followed by healthy steps (see
//! [`DivergenceWatch::trusted`]) and paused with a message that says what to try.
use super::Trainer;
use crate::data::dataset::Dataset;
use crate::error::{Error, Result};
use crate::spec::CLASSES;
use crate::tensor::Param;

/// Steps whose lowest loss is the run's start level.
pub const START_STEPS: usize = 10;
/// The smoothing window, in steps (EMA weight 1 / SMOOTH_STEPS).
pub const SMOOTH_STEPS: f32 = 25.0;
/// Steps in a row the smoothed loss must stay above the limit.
pub const PATIENCE: u32 = 50;

#[derive(Clone, Debug, Default)]
pub struct DivergenceWatch {
    start: f32,
    start_n: usize,
    smoothed: Option<f32>,
    above: u32,
}

/// What the watch saw when it fired.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Diverged {
    pub start: f32,
    pub limit: f32,
    pub smoothed: f32,
}

impl DivergenceWatch {
    /// Forget the run so far (new or reloaded weights): the next steps set a new start level.
    pub fn restart(&mut self) {
        *self = Self::default();
    }

    /// The start level and limit, once the first [`START_STEPS`] steps are in.
    pub fn limit(&self) -> Option<(f32, f32)> {
        (self.start_n >= START_STEPS).then(|| {
            let start = self.start;
            let chance = (CLASSES as f32).ln();
            (start, (2.0 * start).max(start + chance))
        })
    }

    /// The start is known and the smoothed loss is under the limit: weights snapshotted now
    /// are worth rolling back to.
    pub fn trusted(&self) -> bool {
        self.limit().is_some() && self.above == 0
    }

    /// The smoothed loss is above the limit now (not yet for long enough to call it diverged).
    pub fn over_limit(&self) -> bool {
        self.above > 0
    }

    /// Take one step's (finite) loss; `Some` once the run has diverged.
    pub fn observe(&mut self, loss: f32) -> Option<Diverged> {
        if self.start_n < START_STEPS {
            self.start = if self.start_n == 0 {
                loss
            } else {
                self.start.min(loss)
            };
            self.start_n += 1;
        }
        let s = match self.smoothed {
            None => loss,
            Some(s) => s + (loss - s) / SMOOTH_STEPS,
        };
        self.smoothed = Some(s);
        let (start, limit) = self.limit()?;
        if s <= limit {
            self.above = 0;
            return None;
        }
        self.above += 1;
        (self.above >= PATIENCE).then_some(Diverged {
            start,
            limit,
            smoothed: s,
        })
    }
}

impl Diverged {
    /// What happened and what to try, for the page and the CLI.
    pub fn explain(&self, step: u64, lr: f32) -> String {
        format!(
            "the loss stayed above {:.2} (its start {:.2}, the limit twice that or start + ln 10) \
             for {PATIENCE} steps, smoothed {:.2} at step {step}: training diverged although every \
             value was finite. Try a learning rate about ten times lower than {lr}, or SGD/momentum \
             instead of Adam",
            self.limit, self.start, self.smoothed
        )
    }
}

impl<D: Dataset> Trainer<D> {
    /// `params` are the engine's weights now: if an update made one non-finite while its loss
    /// (computed before the update) was still finite, `poll` could not see it; roll back as for
    /// a NaN loss. The plane checks after every call (its weights are read back anyway).
    pub async fn check_weights(&mut self, params: &[Param]) -> Result<()> {
        if params
            .iter()
            .all(|p| p.tensor.data.iter().all(|v| v.is_finite()))
        {
            return Ok(());
        }
        let step = self.steps_enqueued.saturating_sub(1);
        let what = "non-finite weights".to_string();
        Err(self.roll_back(step, Error::NonFinite, what).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(watch: &mut DivergenceWatch, losses: impl IntoIterator<Item = f32>) -> Option<usize> {
        losses
            .into_iter()
            .enumerate()
            .find_map(|(i, l)| watch.observe(l).map(|_| i))
    }

    #[test]
    fn a_rate_that_wrecks_the_first_update_is_measured_from_the_first_step() {
        let mut w = DivergenceWatch::default();
        let fired = run(&mut w, std::iter::once(2.3).chain(std::iter::repeat(25.0)));
        assert!(fired.expect("diverged") < START_STEPS + PATIENCE as usize);
    }

    #[test]
    fn a_loss_that_jumps_and_stays_high_is_caught_after_the_patience() {
        let mut w = DivergenceWatch::default();
        let start = std::iter::repeat_n(2.3, START_STEPS);
        let fired = run(&mut w, start.chain(std::iter::repeat(25.0)));
        // The EMA crosses the limit (4.6) within a few steps, then PATIENCE more.
        let at = fired.expect("diverged") - START_STEPS;
        assert!(
            (PATIENCE as usize..PATIENCE as usize + 10).contains(&at),
            "fired {at} steps in"
        );
    }

    #[test]
    fn noisy_spikes_and_a_learning_run_do_not_trip_it() {
        let mut w = DivergenceWatch::default();
        // Falling loss with a 6.0 spike every 7th step (a batch of 16 at a high rate).
        let losses = (0..5000).map(|i| {
            if i % 7 == 3 {
                6.0
            } else {
                2.3 * (-(i as f32) / 800.0).exp() + 0.1
            }
        });
        assert_eq!(run(&mut w, losses), None);
        assert!(w.trusted());
    }

    #[test]
    fn a_pretrained_start_allows_up_to_chance_level_above_it() {
        let mut w = DivergenceWatch::default();
        let start = std::iter::repeat_n(0.05, START_STEPS);
        assert_eq!(
            run(&mut w, start.clone().chain(std::iter::repeat_n(2.0, 500))),
            None
        );
        w.restart();
        assert!(run(&mut w, start.chain(std::iter::repeat(3.0))).is_some());
    }

    #[test]
    fn a_brief_excursion_resets_the_count() {
        let mut w = DivergenceWatch::default();
        let start = std::iter::repeat_n(2.3, START_STEPS);
        // Ten steps at 30 lift the smoothed loss over the limit for ~30 steps, under the patience.
        let burst = std::iter::repeat_n(30.0, 10).chain(std::iter::repeat_n(0.5, 200));
        let losses: Vec<f32> = start.chain(burst.clone()).chain(burst).collect();
        assert_eq!(run(&mut w, losses), None);
    }
}

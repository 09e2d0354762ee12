//! An executor's line to the driver: the events and result it sends, and the stop requests it
//! hears.

use tokio::sync::{mpsc, watch};

use super::Event;
use super::outcome::SessionOutcome;
use super::stop::StopRequest;

/// What executors send the driver.
#[derive(Debug)]
pub enum Message {
    /// Forwarded to the reporter.
    Event(Event),
    /// Instance `.0` is done.
    Finished(usize, Box<SessionOutcome>),
}

/// One instance's channel: its plan index, the sender to the driver and the stop broadcast.
pub struct SessionChannel {
    /// The instance's plan index.
    pub index: usize,
    sender: mpsc::Sender<Message>,
    /// Stop requests from the dispatcher.
    pub stop: watch::Receiver<StopRequest>,
}

impl SessionChannel {
    /// The channel of instance `index`.
    pub fn new(index: usize, sender: mpsc::Sender<Message>, stop: watch::Receiver<StopRequest>) -> Self {
        Self { index, sender, stop }
    }

    /// Sends `event` to the reporter (waiting while the driver is behind).
    pub async fn emit(&self, event: Event) {
        let _ = self.sender.send(Message::Event(event)).await;
    }

    /// Sends the instance's outcome.
    pub async fn finish(&self, outcome: SessionOutcome) {
        let _ = self.sender.send(Message::Finished(self.index, Box::new(outcome))).await;
    }

    /// A live-output callback forwarding output as [`Event::Output`].
    pub fn live_output(&self) -> super::log::LiveOutput {
        let sender = self.sender.clone();
        let index = self.index;
        Box::new(move |bytes: &[u8]| {
            let sender = sender.clone();
            let bytes = bytes.to_vec();
            Box::pin(async move {
                let _ = sender.send(Message::Event(Event::Output { index, bytes })).await;
            })
        })
    }

    /// The current stop request.
    pub fn stop_request(&self) -> StopRequest {
        *self.stop.borrow()
    }

    /// Resolves once a stop is requested.
    pub async fn stopped(&mut self) {
        let _ = self.stop.wait_for(|request| *request != StopRequest::None).await;
    }
}

package io.agentmq.api.crypto;

import io.agentmq.api.NonRetryableException;

/**
 * A payload that cannot be decrypted: its key id is unknown here, its tag does not authenticate it
 * (altered, moved from another message, or sealed under another key of the same id), it is cut
 * short, or it is not encrypted where encryption is required. Non-retryable: the message goes to
 * its dead-letter topic at once, never to the handler. The message names the message id and key id
 * and what failed, never key material.
 */
public final class PayloadDecryptionException extends NonRetryableException {
  public PayloadDecryptionException(String message) {
    super(message);
  }
}

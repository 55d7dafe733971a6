/**
 * Optional end-to-end payload encryption: an AES-256-GCM envelope per message ({@link
 * io.agentmq.api.crypto.PayloadCipher}) under a {@link io.agentmq.api.crypto.KeyRing} of rotating
 * keys, applied by every backend's shared send and delivery path as {@link
 * io.agentmq.api.crypto.PayloadEncryption} configures it ({@code encryption.*}). Applications only
 * configure it; tools that read dead letters may decrypt with the cipher themselves.
 */
package io.agentmq.api.crypto;

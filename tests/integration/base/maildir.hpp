// Reading the SMTP test server's maildir (SMTP_MAILDIR: aiosmtpd's Mailbox handler writes one
// file per message into new/): the messages, and waiting for one addressed to someone.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace integration {

struct mail_message {
  std::string path;  ///< the maildir file
  std::string raw;   ///< the whole message as received (headers and body)

  /// The first header `name` (case-insensitive, unfolded), or "" when absent.
  std::string header(const std::string& name) const;
  /// Whether the message names `address` in To, Cc or the envelope (Delivered-To / X-RcptTo)
  /// headers.
  bool addressed_to(const std::string& address) const;
};

/// Every message in `maildir` (new/ and cur/), oldest file first. Throws when `maildir` has
/// neither subdirectory (not a maildir: a wrong SMTP_MAILDIR).
std::vector<mail_message> read_maildir(const std::string& maildir);
/// The first message addressed to `address` whose raw text contains `text` (empty: any),
/// polled in SMTP_MAILDIR until `limit` (default: task_timeout()); std::nullopt if none came.
std::optional<mail_message> wait_for_mail(const std::string& address, const std::string& text = "",
                                          std::chrono::milliseconds limit = std::chrono::milliseconds(0));

}  // namespace integration

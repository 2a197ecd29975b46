/**
 * Google Forms -> complaint-sla-monitor.
 *
 * Each response of the form this script is bound to is posted to POST /webhooks/google-forms, signed with
 * Standard Webhooks (https://www.standardwebhooks.com/): webhook-id "gform_<response id>", webhook-timestamp (Unix
 * seconds), webhook-signature "v1,<base64 HMAC-SHA256(key, id + '.' + timestamp + '.' + body)>", the key being the
 * base64-decoded part of the "whsec_..." secret after its prefix. The body:
 *   {"response_id": "...", "submitted_at": "2026-11-22T03:00:00.000Z",
 *    "answers": [{"title": "姓名", "value": "张三"}, {"title": "类别", "value": "服务"}, ...]}
 * (a checkbox question's value is a list). The service maps answers by their titles (chalicelib/sources/default.yaml).
 *
 * Install (README, "Google Forms"):
 *   1. Open the form -> ⋮ -> Script editor (Apps Script), replace Code.gs with this file, save.
 *   2. Project Settings -> Script properties: WEBHOOK_URL = https://<your API>/webhooks/google-forms,
 *      WEBHOOK_SECRET = the whsec_... secret listed under "google-forms" in the service's WEBHOOK_SECRETS.
 *   3. Select the function `install` and Run it once; grant the access it asks for (the form, external requests).
 *
 * A delivery the service does not take yet (network error, 408, 429, 5xx) is kept in the script properties and sent
 * again every 10 minutes with the same webhook-id, so the service makes one complaint of it, never two. A delivery
 * it refuses (another 4xx: a missing answer, a wrong secret) fails the trigger's run, and Google e-mails the form's
 * owner; nothing about the respondent is written to the script's log.
 */

var PENDING_PREFIX = 'pending:';

/** Run once: the form-submit trigger and the retry timer (earlier copies of both are removed first). */
function install() {
  ScriptApp.getProjectTriggers().forEach(function (trigger) {
    var handler = trigger.getHandlerFunction();
    if (handler === 'onFormSubmit' || handler === 'retryPending') {
      ScriptApp.deleteTrigger(trigger);
    }
  });
  ScriptApp.newTrigger('onFormSubmit').forForm(FormApp.getActiveForm()).onFormSubmit().create();
  ScriptApp.newTrigger('retryPending').timeBased().everyMinutes(10).create();
}

/** The form-submit trigger: post the response; keep it for a retry if the service cannot take it now. */
function onFormSubmit(e) {
  var response = e.response;
  var id = 'gform_' + response.getId();
  var body = complaintBody(response);
  var outcome = deliver(id, body);
  if (outcome === 'retry') {
    PropertiesService.getScriptProperties().setProperty(PENDING_PREFIX + id, body);
  } else if (outcome !== 'done') {
    throw new Error(outcome);
  }
}

/** The retry timer: send every kept delivery again; forget those the service has taken (or refused for good). */
function retryPending() {
  var lock = LockService.getScriptLock();
  if (!lock.tryLock(1000)) {
    return;
  }
  try {
    var properties = PropertiesService.getScriptProperties();
    var kept = properties.getProperties();
    Object.keys(kept).forEach(function (name) {
      if (name.indexOf(PENDING_PREFIX) !== 0) {
        return;
      }
      var outcome = deliver(name.substring(PENDING_PREFIX.length), kept[name]);
      if (outcome !== 'retry') {
        properties.deleteProperty(name);
      }
      if (outcome !== 'done' && outcome !== 'retry') {
        console.error(outcome);
      }
    });
  } finally {
    lock.releaseLock();
  }
}

/** The JSON body of one response: its id, when it was submitted, and each answer under its question's title. */
function complaintBody(response) {
  var answers = response.getItemResponses().map(function (itemResponse) {
    return { title: itemResponse.getItem().getTitle(), value: itemResponse.getResponse() };
  });
  return JSON.stringify({
    response_id: response.getId(),
    submitted_at: response.getTimestamp().toISOString(),
    answers: answers,
  });
}

/** The UTF-8 bytes of a string. */
function utf8(text) {
  return Utilities.base64Decode(Utilities.base64Encode(text, Utilities.Charset.UTF_8));
}

/** The Standard Webhooks signature of a body: "v1," + base64(HMAC-SHA256(key, id.timestamp.body)). */
function sign(secret, id, timestamp, body) {
  var key = Utilities.base64Decode(secret.replace(/^whsec_/, ''));
  var signature = Utilities.computeHmacSha256Signature(utf8(id + '.' + timestamp + '.' + body), key);
  return 'v1,' + Utilities.base64Encode(signature);
}

/** Post one signed delivery: 'done', 'retry' (try again later), or why the service refused it for good. */
function deliver(id, body) {
  var properties = PropertiesService.getScriptProperties();
  var url = properties.getProperty('WEBHOOK_URL');
  var secret = properties.getProperty('WEBHOOK_SECRET');
  if (!url || !secret) {
    return 'Set the script properties WEBHOOK_URL and WEBHOOK_SECRET (see the comment at the top of Code.gs).';
  }
  var timestamp = Math.floor(Date.now() / 1000).toString();
  var answer;
  try {
    answer = UrlFetchApp.fetch(url, {
      method: 'post',
      contentType: 'application/json; charset=utf-8',
      payload: utf8(body), // exactly the bytes that were signed
      headers: { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': sign(secret, id, timestamp, body) },
      muteHttpExceptions: true,
      followRedirects: false,
    });
  } catch (error) {
    return 'retry';
  }
  var status = answer.getResponseCode();
  if (status >= 200 && status < 300) {
    return 'done';
  }
  if (status === 408 || status === 429 || status >= 500) {
    return 'retry';
  }
  var detail = '';
  try {
    detail = JSON.parse(answer.getContentText()).detail || '';
  } catch (ignored) {
    detail = '';
  }
  return 'complaint-sla-monitor refused response ' + id + ' (HTTP ' + status + '): ' + detail;
}

product-name = consent-link
footer = Secured by consent-link. Nothing is shared without your consent.
cancel = Cancel
step-1 = Step 1 of 3: choose how to sign in
step-2 = Step 2 of 3: sign in
step-3 = Step 3 of 3: consent

method-title = Choose how to sign in
method-intro = { $client } wants to see some of your financial information. First, confirm who you are.
method-test-bankid = BankID (test)
method-test-bankid-hint = Test mode: no real BankID, static test data.
method-none = No sign-in method is available for this link. Please contact the service that sent you here.

bankid-title = Test BankID
bankid-intro = This is a test. Choose a test person to sign in as.
bankid-legend = Test person
bankid-submit = Sign in
person-full = Full data in every category
person-no-loans = No loans and no vehicles
person-cancels = Cancels at BankID
person-fails = Data collection will fail
person-slow = Full data, collected slowly (about ten seconds)
person-partial = Full data except income, which cannot be collected

consent-title = Share your information
consent-intro = { $client } asks to see:
consent-accept = Share my information
consent-decline = Decline
consent-note = Only what is listed here is shared, and only with { $client }.

scope-vehicles = Vehicles
scope-vehicles-desc = Vehicles you own, co-own or lease, from the Norwegian vehicle register.
scope-unsecured-loans = Unsecured debt
scope-unsecured-loans-desc = Consumer loans, credit cards and credit lines from the Norwegian debt register.
scope-info = Personal information
scope-info-desc = Name, national identity number, address, marital status and citizenship from the National Population Register.
scope-income = Income
scope-income-desc = Payslips and employers from your employers' reports (a-ordningen).
scope-student-loan = Student loan
scope-student-loan-desc = Balance, fees and interest on your student loan with Lånekassen.
scope-e-invoices = E-invoices
scope-e-invoices-desc = Invoices, amounts and due dates from your e-invoice provider.
scope-unsecured-loans-presentation = Unsecured debt, to show it to you
scope-unsecured-loans-presentation-desc = Consumer loans, credit cards and credit lines from the Norwegian debt register, used only to present your debt to you.
scope-unsecured-loans-processing = Unsecured debt, to process your loan application
scope-unsecured-loans-processing-desc = Consumer loans, credit cards and credit lines from the Norwegian debt register, used to assess and process your application for credit.
scope-tax-data-pdf = Tax documents
scope-tax-data-pdf-desc = Your tax return and tax statements (PDF) from your digital mailbox.
scope-tax-data-pdf-desc-entities = Your tax return and tax statements (PDF) from your digital mailbox, and the latest tax, annual and shareholder reports of these companies:
consent-tax-entity = Organisation number { $number }

result-done-title = Done
result-done = Your information has now been shared with { $client }.
result-error-title = Not completed
result-cancelled = You cancelled. Nothing was shared with { $client }.
result-failed = The request could not be completed. Nothing was shared with { $client }.
result-continue = Return to { $client }
result-receipt = Download your consent receipt

error-title = Something went wrong
error-unknown-client = This link is not valid: the service that sent you here is not known. Please go back and try again.
error-ambiguous-parameter = This link is not valid: it has a repeated or conflicting parameter. Please go back and try again.
error-callback = This link is not valid: its return address does not match the one registered by the service that sent you here.
error-session-not-found = This link session does not exist. Please start again from the service that sent you here.
error-session-expired = This link session has expired. Please start again from the service that sent you here.
error-csrf = This form could not be verified. Please reload the page and try again.
error-out-of-order = This step is not available yet. Please follow the steps in order.
error-already-completed = This link session has already been completed. Nothing more was done.
error-invalid-form = The form was incomplete. Please go back and try again.
error-not-found = This page does not exist.
error-too-many-requests = Too many link sessions were started from your network just now. Please wait a moment and try again.
error-too-many-requests-title = Please wait a moment
error-internal = An unexpected error occurred on our side. Please try again later.
error-request-id = Reference: { $id }

demo-title = consent-link demo
demo-intro = This page plays the part of a lender's website, using the test-mode demo client. Every flow uses test BankID and static test data.
demo-redirect = Redirect integration
demo-redirect-en = Start Link in English
demo-redirect-nb = Start Link in Norwegian (norsk)
demo-oauth = Start the OAuth2 flow (authorization code)
demo-iframe = Iframe integration
demo-iframe-start = Open Link in an iframe
demo-iframe-log = Messages received from Link
demo-noscript = The iframe integration needs JavaScript on the lender's page. The redirect integration above works without it.
demo-callback-title = Result received
demo-callback-intro = Link sent these parameters to the lender's callback:
demo-back = Back to the demo
demo-server-title = What the lender's server did next
demo-server-intro = With the result, the demo's server side called consent-link with the demo client's secret (which never reaches the browser):
demo-server-none = There was no code, so there was nothing to read.
demo-not-this-browser = This result does not belong to a flow this browser started from the demo page, so the demo read no data. Start again from the demo page.
demo-data-title = Data read

method-hint = Sign in with { $method }. You are sent to its sign-in page and then back here.
upstream-title = Sign in with { $method }
upstream-intro-window = { $method } opens in a new window. Sign in there; this page moves on by itself when you are done.
upstream-intro-redirect = You are sent to { $method } to sign in, then back here to decide what to share.
upstream-open = Open { $method }
upstream-go = Continue to { $method }
upstream-waiting = Waiting for you to sign in.
upstream-continue = I have signed in
popup-done-title = Signed in
popup-done = You are signed in. Close this window and continue in the { $client } window.
popup-cancelled = You cancelled the sign-in. Close this window and return to { $client }.
popup-failed = The sign-in could not be completed. Close this window and return to { $client }.
result-unavailable-title = Sign-in is unavailable
result-unavailable = The sign-in service is not available right now, so nothing was shared with { $client }. Please try again later.
error-upstream-state = This sign-in does not belong to an open link session: it was already used, it expired, or it was started in another browser. Please start again from the service that sent you here.

# How this language writes dates and amounts (Norwegian kroner).
format-date = { $day } { $month ->
        [1] January
        [2] February
        [3] March
        [4] April
        [5] May
        [6] June
        [7] July
        [8] August
        [9] September
        [10] October
        [11] November
       *[12] December
    } { $year }
format-group = ,
format-decimal = .
format-amount-nok = NOK { $amount }
person-hint = Born { $date }. { $description }
demo-summary-title = At a glance
demo-summary-born = Born
demo-summary-debt = Unsecured debt
demo-summary-pay = Latest net pay
demo-summary-pay-value = { $amount }, for the period ending { $date }
demo-summary-invoices = Unpaid e-invoices
error-session-expired-title = This link has expired
error-already-completed-title = Already completed
error-method-unavailable = This sign-in method is no longer available. Please start again from the service that sent you here.
error-session-moved-title = Continued in another window
error-session-moved = You signed in in another window, and this link session goes on only there. For your safety it cannot be continued from this page.
popup-noscript = Without JavaScript this window cannot hand the sign-in back. Continue here instead:
popup-continue = Continue here

product-name = consent-link
footer = Skyddas av consent-link. Ingenting delas utan ditt samtycke.
cancel = Avbryt
step-1 = Steg 1 av 3: välj hur du loggar in
step-2 = Steg 2 av 3: logga in
step-3 = Steg 3 av 3: samtycke

method-title = Välj hur du vill logga in
method-intro = { $client } vill se en del av dina ekonomiska uppgifter. Först behöver du bekräfta vem du är.
method-test-bankid = BankID (test)
method-test-bankid-hint = Testläge: inget riktigt BankID, statisk testdata.
method-none = Det finns ingen inloggningsmetod för den här länken. Kontakta tjänsten som skickade dig hit.

bankid-title = Test-BankID
bankid-intro = Det här är ett test. Välj vilken testperson du vill logga in som.
bankid-legend = Testperson
bankid-submit = Logga in
person-full = Fullständiga uppgifter i alla kategorier
person-no-loans = Inga lån och inga fordon
person-cancels = Avbryter i BankID
person-fails = Hämtningen av uppgifter misslyckas
person-slow = Fullständiga uppgifter, hämtas långsamt (omkring tio sekunder)
person-partial = Fullständiga uppgifter utom inkomst, som inte kan hämtas

consent-title = Dela dina uppgifter
consent-intro = { $client } ber att få se:
consent-accept = Dela mina uppgifter
consent-decline = Avböj
consent-note = Bara det som står här delas, och bara med { $client }.

scope-vehicles = Fordon
scope-vehicles-desc = Fordon som du äger, är delägare i eller leasar, från det norska fordonsregistret.
scope-unsecured-loans = Skulder utan säkerhet
scope-unsecured-loans-desc = Privatlån, kreditkort och kontokrediter från det norska skuldregistret (Gjeldsregisteret).
scope-info = Personuppgifter
scope-info-desc = Namn, personnummer, adress, civilstånd och medborgarskap från den norska folkbokföringen (Folkeregisteret).
scope-income = Inkomst
scope-income-desc = Lönespecifikationer och arbetsgivare från arbetsgivarnas rapportering i Norge (a-ordningen).
scope-student-loan = Studielån
scope-student-loan-desc = Saldo, avgifter och ränta på ditt studielån hos Lånekassen i Norge.
scope-e-invoices = E-fakturor
scope-e-invoices-desc = Fakturor, belopp och förfallodatum från din e-fakturaleverantör.
scope-unsecured-loans-presentation = Skulder utan säkerhet, för att visa dem för dig
scope-unsecured-loans-presentation-desc = Privatlån, kreditkort och kontokrediter från det norska skuldregistret (Gjeldsregisteret), används endast för att visa dina skulder för dig.
scope-unsecured-loans-processing = Skulder utan säkerhet, för att behandla din låneansökan
scope-unsecured-loans-processing-desc = Privatlån, kreditkort och kontokrediter från det norska skuldregistret (Gjeldsregisteret), används för att bedöma och behandla din kreditansökan.
scope-tax-data-pdf = Skattedokument
scope-tax-data-pdf-desc = Din norska skattedeklaration och dina skatteuppgifter (PDF) från din digitala brevlåda.
scope-tax-data-pdf-desc-entities = Din norska skattedeklaration och dina skatteuppgifter (PDF) från din digitala brevlåda, och de senaste skatte-, års- och aktieägarrapporterna för dessa företag:
consent-tax-entity = Organisationsnummer { $number }

result-done-title = Klart
result-done = Dina uppgifter har nu delats med { $client }.
result-error-title = Inte slutfört
result-cancelled = Du avbröt. Ingenting delades med { $client }.
result-failed = Begäran kunde inte slutföras. Ingenting delades med { $client }.
result-continue = Tillbaka till { $client }
result-receipt = Ladda ned ditt samtyckeskvitto

error-title = Något gick fel
error-unknown-client = Den här länken är inte giltig: tjänsten som skickade dig hit är okänd. Gå tillbaka och försök igen.
error-ambiguous-parameter = Den här länken är inte giltig: den innehåller en upprepad eller motstridig parameter. Gå tillbaka och försök igen.
error-callback = Den här länken är inte giltig: returadressen stämmer inte med den som tjänsten som skickade dig hit har registrerat.
error-session-not-found = Den här sessionen finns inte. Börja om från tjänsten som skickade dig hit.
error-session-expired = Den här sessionen har gått ut. Börja om från tjänsten som skickade dig hit.
error-csrf = Formuläret kunde inte verifieras. Ladda om sidan och försök igen.
error-out-of-order = Det här steget är inte tillgängligt ännu. Följ stegen i tur och ordning.
error-already-completed = Den här sessionen är redan slutförd. Inget mer har gjorts.
error-invalid-form = Formuläret var ofullständigt. Gå tillbaka och försök igen.
error-not-found = Den här sidan finns inte.
error-too-many-requests = För många sessioner startades från ditt nätverk just nu. Vänta en stund och försök igen.
error-too-many-requests-title = Vänta en stund
error-internal = Ett oväntat fel uppstod hos oss. Försök igen senare.
error-request-id = Referens: { $id }

demo-title = consent-link-demo
demo-intro = Den här sidan spelar rollen som en långivares webbplats och använder demoklienten i testläge. Alla flöden använder test-BankID och statisk testdata.
demo-redirect = Integration med omdirigering
demo-redirect-en = Starta Link på engelska
demo-redirect-nb = Starta Link på norska (norsk)
demo-oauth = Starta OAuth2-flödet (auktoriseringskod)
demo-iframe = Integration i iframe
demo-iframe-start = Öppna Link i en iframe
demo-iframe-log = Meddelanden som tagits emot från Link
demo-noscript = Integrationen i iframe kräver JavaScript på långivarens sida. Integrationen med omdirigering ovan fungerar utan.
demo-callback-title = Resultat mottaget
demo-callback-intro = Link skickade de här parametrarna till långivarens returadress:
demo-back = Tillbaka till demon
demo-server-title = Vad långivarens server gjorde sedan
demo-server-intro = Med resultatet anropade demons serversida consent-link med demoklientens hemlighet (som aldrig når webbläsaren):
demo-server-none = Det fanns ingen kod, så det fanns inget att läsa.
demo-not-this-browser = Det här resultatet hör inte till ett flöde som den här webbläsaren startade från demosidan, så demon läste inga data. Börja om från demosidan.
demo-data-title = Data som lästes

method-hint = Logga in med { $method }. Du skickas till inloggningssidan och tillbaka hit.
upstream-title = Logga in med { $method }
upstream-intro-window = { $method } öppnas i ett nytt fönster. Logga in där. Den här sidan går vidare automatiskt när du är klar.
upstream-intro-redirect = Du skickas till { $method } för att logga in och sedan tillbaka hit för att välja vad du vill dela.
upstream-open = Öppna { $method }
upstream-go = Fortsätt till { $method }
upstream-waiting = Väntar på att du loggar in.
upstream-continue = Jag har loggat in
popup-done-title = Inloggad
popup-done = Du är inloggad. Stäng det här fönstret och fortsätt i fönstret för { $client }.
popup-cancelled = Du avbröt inloggningen. Stäng det här fönstret och gå tillbaka till { $client }.
popup-failed = Inloggningen kunde inte slutföras. Stäng det här fönstret och gå tillbaka till { $client }.
result-unavailable-title = Inloggningen är inte tillgänglig
result-unavailable = Inloggningstjänsten är inte tillgänglig just nu, så inget delades med { $client }. Försök igen senare.
error-upstream-state = Den här inloggningen hör inte till någon öppen session: den har redan använts, har gått ut eller startades i en annan webbläsare. Börja om från tjänsten som skickade dig hit.

# Hur språket skriver datum och belopp (norska kronor).
format-date = { $day } { $month ->
        [1] januari
        [2] februari
        [3] mars
        [4] april
        [5] maj
        [6] juni
        [7] juli
        [8] augusti
        [9] september
        [10] oktober
        [11] november
       *[12] december
    } { $year }
format-group = { "\u00A0" }
format-decimal = ,
format-amount-nok = { $amount } NOK
person-hint = Född { $date }. { $description }
demo-summary-title = I korthet
demo-summary-born = Född
demo-summary-debt = Skulder utan säkerhet
demo-summary-pay = Senaste nettolön
demo-summary-pay-value = { $amount } för perioden som slutade { $date }
demo-summary-invoices = Obetalda e-fakturor
error-session-expired-title = Länken har gått ut
error-already-completed-title = Redan slutförd
error-method-unavailable = Den här inloggningsmetoden är inte längre tillgänglig. Börja om från tjänsten som skickade dig hit.
error-session-moved-title = Fortsätter i ett annat fönster
error-session-moved = Du loggade in i ett annat fönster, och sessionen fortsätter bara där. Av säkerhetsskäl kan den inte fortsättas från den här sidan.
popup-noscript = Utan JavaScript kan det här fönstret inte lämna tillbaka inloggningen. Fortsätt här i stället:
popup-continue = Fortsätt här
